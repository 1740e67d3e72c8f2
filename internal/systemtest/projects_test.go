package systemtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

type projectOut struct {
	ProjectID string    `json:"projectId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	Role      string    `json:"role"`
}

type listOut[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

func createProject(t *testing.T, e *apitest.Env, token, name string) projectOut {
	t.Helper()
	var p projectOut
	r := e.Call(t, "POST", "/v1/projects", token, map[string]string{"name": name}).Want(t, 201)
	r.JSON(t, &p)
	if r.Header.Get("Location") != "/v1/projects/"+p.ProjectID {
		t.Errorf("Location %q", r.Header.Get("Location"))
	}
	return p
}

func TestProjectCreate201GetList(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "  Spring launch ")
	if p.Name != "Spring launch" || p.Role != "admin" || p.ProjectID == "" || p.CreatedAt.IsZero() {
		t.Fatalf("created %+v", p)
	}
	var got projectOut
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID, token, nil).Want(t, 200).JSON(t, &got)
	if got != p {
		t.Fatalf("get %+v, created %+v", got, p)
	}
	var list listOut[projectOut]
	e.Call(t, "GET", "/v1/projects", token, nil).Want(t, 200).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0] != p || list.NextCursor != nil {
		t.Fatalf("list %+v", list)
	}
}

func TestProjectList200Paged(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	want := map[string]bool{}
	for i := range 5 {
		want[createProject(t, e, token, fmt.Sprintf("p%d", i)).ProjectID] = true
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		var list listOut[projectOut]
		e.Call(t, "GET", "/v1/projects?limit=2&cursor="+cursor, token, nil).Want(t, 200).JSON(t, &list)
		for _, p := range list.Items {
			if seen[p.ProjectID] {
				t.Fatalf("%s listed twice", p.ProjectID)
			}
			seen[p.ProjectID] = true
		}
		if list.NextCursor == nil {
			break
		}
		cursor = *list.NextCursor
	}
	if len(seen) != len(want) {
		t.Fatalf("listed %d of %d", len(seen), len(want))
	}
	e.Call(t, "GET", "/v1/projects?limit=0", token, nil).Want(t, 400)
	e.Call(t, "GET", "/v1/projects?limit=1001", token, nil).Want(t, 400)
	e.Call(t, "GET", "/v1/projects?cursor=garbage", token, nil).Want(t, 400)
}

func TestProject404OtherClient(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, acme := e.Token(t, "acme")
	_, globex := e.Token(t, "globex")
	p := createProject(t, e, acme, "secret plans")

	if code := e.Call(t, "GET", "/v1/projects/"+p.ProjectID, globex, nil).Want(t, 404).Problem(t); code != "NOT_FOUND" {
		t.Fatalf("code %s", code)
	}
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/members", globex, nil).Want(t, 404)
	e.Call(t, "PUT", "/v1/projects/"+p.ProjectID+"/members/x", globex, map[string]string{"role": "admin"}).Want(t, 404)
	var list listOut[projectOut]
	e.Call(t, "GET", "/v1/projects", globex, nil).Want(t, 200).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("globex sees %+v", list.Items)
	}
	// A cursor from acme's listing cannot page globex's.
	for range 2 {
		createProject(t, e, acme, "more")
	}
	var page listOut[projectOut]
	e.Call(t, "GET", "/v1/projects?limit=1", acme, nil).Want(t, 200).JSON(t, &page)
	e.Call(t, "GET", "/v1/projects?cursor="+*page.NextCursor, globex, nil).Want(t, 400)
}

func TestProjectMembersOnlyAdminsManageThemWithinTheirClient(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, admin := e.Token(t, "acme")
	contributorID, contributorSecret := e.Principal(t, "acme")
	viewerID, viewerSecret := e.Principal(t, "acme")
	outsiderID, _ := e.Principal(t, "globex")
	p := createProject(t, e, admin, "members")
	base := "/v1/projects/" + p.ProjectID + "/members/"

	contributor := e.TokenFor(t, contributorID, contributorSecret)
	viewer := e.TokenFor(t, viewerID, viewerSecret)
	// Not yet a member: the project does not exist for them.
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID, viewer, nil).Want(t, 404)

	var m struct {
		ProjectID, PrincipalID, Role string
		AddedAt                      time.Time
	}
	e.Call(t, "PUT", base+contributorID, admin, map[string]string{"role": "contributor"}).Want(t, 200).JSON(t, &m)
	if m.Role != "contributor" || m.PrincipalID != contributorID || m.ProjectID != p.ProjectID {
		t.Fatalf("member %+v", m)
	}
	e.Call(t, "PUT", base+viewerID, admin, map[string]string{"role": "viewer"}).Want(t, 200)

	var got projectOut
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID, viewer, nil).Want(t, 200).JSON(t, &got)
	if got.Role != "viewer" {
		t.Fatalf("viewer sees role %q", got.Role)
	}
	// Only admins manage members.
	if code := e.Call(t, "PUT", base+viewerID, contributor, map[string]string{"role": "admin"}).Want(t, 403).Problem(t); code != "FORBIDDEN" {
		t.Fatalf("code %s", code)
	}
	e.Call(t, "PUT", base+viewerID, viewer, map[string]string{"role": "admin"}).Want(t, 403)
	// Principals of another client, or none, cannot join.
	e.Call(t, "PUT", base+outsiderID, admin, map[string]string{"role": "viewer"}).Want(t, 404)
	e.Call(t, "PUT", base+"nobody", admin, map[string]string{"role": "viewer"}).Want(t, 404)
	// Bad bodies change nothing.
	e.Call(t, "PUT", base+viewerID, admin, map[string]string{"role": "owner"}).Want(t, 422)
	e.Call(t, "PUT", base+viewerID, admin, map[string]any{"role": 3}).Want(t, 400)
	e.Call(t, "PUT", base+viewerID, admin, map[string]string{}).Want(t, 400)

	var members listOut[struct {
		PrincipalID string `json:"principalId"`
		Role        string `json:"role"`
	}]
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/members", viewer, nil).Want(t, 200).JSON(t, &members)
	roles := map[string]string{}
	for _, it := range members.Items {
		roles[it.PrincipalID] = it.Role
	}
	if len(roles) != 3 || roles[viewerID] != "viewer" || roles[contributorID] != "contributor" {
		t.Fatalf("members %+v", members.Items)
	}
	// An admin cannot demote themself.
	adminID := ""
	for id, role := range roles {
		if role == "admin" {
			adminID = id
		}
	}
	e.Call(t, "PUT", base+adminID, admin, map[string]string{"role": "viewer"}).Want(t, 422)
}

func TestProjectCreate4xx(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	for name, c := range map[string]struct {
		body   string
		status int
	}{
		"malformed":     {`{"name": `, 400},
		"wrong type":    {`{"name": 7}`, 400},
		"unknown field": {`{"name": "a", "owner": "b"}`, 400},
		"missing name":  {`{}`, 400},
		"blank name":    {`{"name": "   "}`, 422},
		"long name":     {`{"name": "` + strings.Repeat("x", 201) + `"}`, 422},
	} {
		t.Run(name, func(t *testing.T) {
			e.Call(t, "POST", "/v1/projects", token, c.body).Want(t, c.status).Problem(t)
		})
	}
	var list listOut[projectOut]
	e.Call(t, "GET", "/v1/projects", token, nil).Want(t, 200).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("bad input created %+v", list.Items)
	}
	e.Call(t, "DELETE", "/v1/projects", token, nil).Want(t, 405).Problem(t)
}
