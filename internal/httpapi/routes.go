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
	// MuxPath, when set, is what ServeMux matches instead of Path. API
	// Gateway prefers literal segments; ServeMux refuses two patterns that
	// both match a path (flow/service_history) unless one is more specific,
	// so the service-history route is registered with a wildcard last
	// segment and checks it in its handler.
	MuxPath string
}

// Pattern is the route as API Gateway knows it, method and path.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// muxPattern is the ServeMux pattern serving the route.
func (r Route) muxPattern() string {
	if r.MuxPath != "" {
		return r.Method + " " + r.MuxPath
	}
	return r.Pattern()
}

// Routes lists every route of the API.
var Routes = []Route{
	{Function: "auth", Method: "POST", Path: "/v1/auth/token", Public: true},
	{Function: "auth", Method: "GET", Path: "/.well-known/jwks.json", Public: true},
	{Function: "auth", Method: "GET", Path: "/openapi.yaml", Public: true},

	{Function: "projects", Method: "POST", Path: "/v1/projects"},
	{Function: "projects", Method: "GET", Path: "/v1/projects"},
	{Function: "projects", Method: "GET", Path: "/v1/projects/{projectId}"},
	{Function: "projects", Method: "GET", Path: "/v1/projects/{projectId}/members"},
	{Function: "projects", Method: "PUT", Path: "/v1/projects/{projectId}/members/{principalId}"},

	{Function: "job-submit", Method: "POST", Path: "/v1/projects/{projectId}/tracking-number-jobs"},
	{Function: "job-query", Method: "GET", Path: "/v1/projects/{projectId}/tracking-number-jobs"},
	{Function: "job-query", Method: "GET", Path: "/v1/projects/{projectId}/tracking-number-jobs/{jobId}/report"},
	{Function: "job-query", Method: "GET", Path: "/v1/projects/{projectId}/tracking-numbers"},

	{Function: "messages", Method: "POST", Path: "/v1/messages"},
	{Function: "tracker", Method: "POST", Path: "/v1/tracker"},

	{Function: "tracking", Method: "GET", Path: "/v1/tracking/{tracking_number}", Public: true},
	{Function: "tracking", Method: "GET", Path: "/v1/tracking/{tracking_number}/service_history", Public: true, MuxPath: "/v1/tracking/{tracking_number}/{resource}"},
	{Function: "tracking", Method: "GET", Path: "/v1/tracking/flow/{shipment_type}", Public: true},

	// The public tracking page: the resource above as HTML for recipients.
	{Function: "tracking", Method: "GET", Path: "/track/{tracking_number}", Public: true},
	// Data exchange (seed 002).
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/entities"},
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/entities/{entityName}"},
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/{entity}"},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/{entity}"},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/{entity}/query"},
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/{entity}/{code}"},
	{Function: "data", Method: "PUT", Path: "/v1/data/{projectId}/{entity}/{code}"},
	{Function: "data", Method: "DELETE", Path: "/v1/data/{projectId}/{entity}/{code}"},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/export"},
	// Data imports, dataset delete and merge (seed 002).
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/{entity}/bulk"},
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/imports/{importId}"},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/dataset"},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/dataset/delete"},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/relational"},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/{entity}/mergeData"},

	// Webhooks and the event feed.
	{Function: "webhooks", Method: "POST", Path: "/v1/projects/{projectId}/webhooks"},
	{Function: "webhooks", Method: "GET", Path: "/v1/projects/{projectId}/webhooks"},
	{Function: "webhooks", Method: "GET", Path: "/v1/projects/{projectId}/webhooks/{webhookId}"},
	{Function: "webhooks", Method: "PATCH", Path: "/v1/projects/{projectId}/webhooks/{webhookId}"},
	{Function: "webhooks", Method: "DELETE", Path: "/v1/projects/{projectId}/webhooks/{webhookId}"},
	{Function: "webhooks", Method: "POST", Path: "/v1/projects/{projectId}/webhooks/{webhookId}/rotate-secret"},
	{Function: "webhooks", Method: "GET", Path: "/v1/projects/{projectId}/webhooks/{webhookId}/attempts"},
	{Function: "webhooks", Method: "POST", Path: "/v1/projects/{projectId}/webhooks/{webhookId}/replay"},
	{Function: "webhooks", Method: "GET", Path: "/v1/projects/{projectId}/events"},
}
