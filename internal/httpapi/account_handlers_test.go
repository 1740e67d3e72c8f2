package httpapi

import "testing"

func TestAccountAndTaskHandlers(t *testing.T) {
	m := newMemAPI(t)
	admin := m.client("acme", "acme-ops")
	p := m.project(admin)
	base := "/v1/data/" + p
	m.run(admin, []exchange{
		{name: "licences200", method: "GET", path: "/v1/projects/" + p + "/licences", status: 200, want: `"licences":0`},
		{name: "putLicences200", method: "PUT", path: "/v1/projects/" + p + "/licences", body: `{"licences":2}`, status: 200, want: `"available":2`},
		{name: "putLicences400Missing", method: "PUT", path: "/v1/projects/" + p + "/licences", body: `{}`, status: 400, want: `"field":"licences"`},
		{name: "putLicences400Body", method: "PUT", path: "/v1/projects/" + p + "/licences", body: `{"licences":"2"}`, status: 400},
		{name: "putLicences404", method: "PUT", path: "/v1/projects/nope/licences", body: `{"licences":2}`, status: 404},
		{name: "accounts200", method: "POST", path: base + "/accounts", body: `[{"baseuser_ID":"U-1","login":"claire","name":"Claire","status":"active"}]`, status: 200, want: `"baseuser_ID":"U-1"`},
		{name: "accounts400Empty", method: "POST", path: base + "/accounts", body: ` `, status: 400},
		{name: "accounts404", method: "POST", path: "/v1/data/nope/accounts", body: `[]`, status: 404},
		{name: "tasks200", method: "POST", path: base + "/tasks", body: `[{"code":"renewSubscriptions"}]`, status: 200, want: `"code":"renewSubscriptions"`},
		{name: "tasks400NotArray", method: "POST", path: base + "/tasks", body: `{"code":"x"}`, status: 400, want: `"field":"(body)"`},
		{name: "tasks400Trailing", method: "POST", path: base + "/tasks", body: `[] []`, status: 400},
		{name: "tasks400NoCode", method: "POST", path: base + "/tasks", body: `[{}]`, status: 400, want: `"field":"[0].code"`},
		{name: "tasks400Empty", method: "POST", path: base + "/tasks", body: "\t", status: 400, want: `the body is empty`},
		{name: "tasks404", method: "POST", path: "/v1/data/nope/tasks", body: `[{"code":"renewSubscriptions"}]`, status: 404},
		{name: "listTasks200", method: "GET", path: base + "/tasks", status: 200, want: `"status":"`},
		{name: "listTasks400Limit", method: "GET", path: base + "/tasks?limit=1001", status: 400, want: `{"field":"limit","message":"from 1 to 1000"}`},
		{name: "getTask404", method: "GET", path: base + "/tasks/nope", status: 404},
	})
	var tasks []taskBody
	m.must(200, &tasks, "GET", base+"/tasks?limit=1", admin, "")
	if len(tasks) != 1 {
		t.Fatalf("tasks %v", tasks)
	}
	m.must(200, nil, "GET", base+"/tasks/"+tasks[0].TaskID, admin, "")
}
