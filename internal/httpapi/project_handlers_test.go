package httpapi

import (
	"strings"
	"testing"
)

func TestProjectHandlers(t *testing.T) {
	m := newMemAPI(t)
	admin := m.client("acme", "acme-ops")
	m.client("acme", "acme-viewer")
	other := m.client("globex", "globex-ops")
	p := m.project(admin)
	base := "/v1/projects/" + p
	m.run(admin, []exchange{
		{name: "create201", method: "POST", path: "/v1/projects", body: `{"name":"Second"}`, status: 201, want: `"role":"admin"`},
		{name: "create400NoName", method: "POST", path: "/v1/projects", body: `{}`, status: 400, want: `"field":"name"`},
		{name: "create400UnknownField", method: "POST", path: "/v1/projects", body: `{"name":"x","colour":1}`, status: 400},
		{name: "create400NotJSON", method: "POST", path: "/v1/projects", body: `{"name":`, status: 400},
		{name: "create422BlankName", method: "POST", path: "/v1/projects", body: `{"name":""}`, status: 422},
		{name: "list200", method: "GET", path: "/v1/projects?limit=1", status: 200, want: `"nextCursor":"`},
		{name: "list400Limit", method: "GET", path: "/v1/projects?limit=0", status: 400, want: `"message":"limit must be an integer from 1 to 1000"`},
		{name: "list400Cursor", method: "GET", path: "/v1/projects?cursor=nonsense", status: 400, want: `"field":"cursor"`},
		{name: "list400LongCursor", method: "GET", path: "/v1/projects?cursor=" + strings.Repeat("a", maxCursorBytes+1), status: 400},
		{name: "get200", method: "GET", path: base, status: 200, want: `"projectId":"` + p + `"`},
		{name: "get404", method: "GET", path: "/v1/projects/nope", status: 404, want: `"code":"NOT_FOUND"`},
		{name: "members200", method: "GET", path: base + "/members", status: 200, want: `"principalId":"acme-ops"`},
		{name: "members400Limit", method: "GET", path: base + "/members?limit=x", status: 400},
		{name: "putMember200", method: "PUT", path: base + "/members/acme-viewer", body: `{"role":"viewer"}`, status: 200, want: `"role":"viewer"`},
		{name: "putMember400NoRole", method: "PUT", path: base + "/members/acme-viewer", body: `{}`, status: 400, want: `"field":"role"`},
		{name: "putMember400BadBody", method: "PUT", path: base + "/members/acme-viewer", body: `[]`, status: 400},
		{name: "putMember404Principal", method: "PUT", path: base + "/members/nobody", body: `{"role":"viewer"}`, status: 404},
		{name: "putMember422OwnRole", method: "PUT", path: base + "/members/acme-ops", body: `{"role":"viewer"}`, status: 422, want: `"field":"principalId"`},
		{name: "removeMember204", method: "DELETE", path: base + "/members/acme-viewer", status: 204},
		{name: "removeMember404", method: "DELETE", path: base + "/members/acme-viewer", status: 404},
	})
	m.run(other, []exchange{
		{name: "get404OtherClient", method: "GET", path: base, status: 404},
		{name: "members404OtherClient", method: "GET", path: base + "/members", status: 404},
	})
}
