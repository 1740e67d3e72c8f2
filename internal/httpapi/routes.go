package httpapi

// Route is one API Gateway route and the Lambda function that serves it.
// Routes are declared here once: the Lambda handlers, the local dev server
// and the template check (template_test.go) all read this table.
type Route struct {
	// Function is the folder under functions/ whose Lambda serves the route.
	Function string
	Method   string
	// Path is the API Gateway resource path; it is also a net/http pattern.
	Path string
	// Public routes need no access token.
	Public bool
}

// Pattern is the net/http ServeMux pattern of the route.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Routes lists every route of the API.
var Routes = []Route{
	{Function: "auth", Method: "POST", Path: "/v1/auth/token", Public: true},
	{Function: "auth", Method: "GET", Path: "/.well-known/jwks.json", Public: true},

	{Function: "projects", Method: "POST", Path: "/v1/projects"},
	{Function: "projects", Method: "GET", Path: "/v1/projects"},
	{Function: "projects", Method: "GET", Path: "/v1/projects/{projectId}"},
	{Function: "projects", Method: "GET", Path: "/v1/projects/{projectId}/members"},
	{Function: "projects", Method: "PUT", Path: "/v1/projects/{projectId}/members/{principalId}"},

	{Function: "job-submit", Method: "POST", Path: "/v1/projects/{projectId}/tracking-number-jobs"},
	{Function: "job-query", Method: "GET", Path: "/v1/projects/{projectId}/tracking-number-jobs"},
	{Function: "job-query", Method: "GET", Path: "/v1/projects/{projectId}/tracking-number-jobs/{jobId}/report"},
	{Function: "job-query", Method: "GET", Path: "/v1/projects/{projectId}/tracking-numbers"},
}
