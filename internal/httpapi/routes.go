package httpapi

import (
	"net/http"

	"github.com/parcelgate/parcelgate/internal/openapi"
)

// Route is one API Gateway route, the Lambda function that serves it and
// its handler. Routes are declared here once: the Lambda handlers, the
// local dev server and the template check (template_test.go) all read
// this table. A new route is one line here (and its operation in
// openapi.yaml, its event in template.yaml).
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
	// Errors is the shape of the route's error bodies, in which its
	// handler's errors (serve), the text rule's refusals (checkText) and
	// the deadline's 503 (withDeadline) are answered; zero is
	// problem+json.
	Errors errorShape
	// Handle serves the route with the API's services; what it returns
	// is answered in the route's error shape (serve).
	Handle func(*API, http.ResponseWriter, *http.Request) error
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
	{Function: "auth", Method: "POST", Path: "/v1/auth/token", Public: true, Handle: (*API).issueToken},
	{Function: "auth", Method: "GET", Path: "/.well-known/jwks.json", Public: true, Handle: (*API).jwks},
	{Function: "auth", Method: "GET", Path: "/openapi.yaml", Public: true, Handle: (*API).openAPIDocument},

	{Function: "projects", Method: "POST", Path: "/v1/projects", Handle: (*API).createProject},
	{Function: "projects", Method: "GET", Path: "/v1/projects", Handle: (*API).listProjects},
	{Function: "projects", Method: "GET", Path: "/v1/projects/{projectId}", Handle: (*API).getProject},
	{Function: "projects", Method: "GET", Path: "/v1/projects/{projectId}/members", Handle: (*API).listMembers},
	{Function: "projects", Method: "PUT", Path: "/v1/projects/{projectId}/members/{principalId}", Handle: (*API).putMember},
	{Function: "projects", Method: "DELETE", Path: "/v1/projects/{projectId}/members/{principalId}", Handle: (*API).removeMember},

	// A client's credentials, managed by its owners; the auth function,
	// which holds the signing key, only issues tokens.
	{Function: "projects", Method: "GET", Path: "/v1/credentials", Handle: (*API).listCredentials},
	{Function: "projects", Method: "POST", Path: "/v1/credentials", Handle: (*API).createCredential},
	{Function: "projects", Method: "GET", Path: "/v1/credentials/audit", Handle: (*API).listCredentialAudit},
	{Function: "projects", Method: "PATCH", Path: "/v1/credentials/{clientId}", Handle: (*API).updateCredential},
	{Function: "projects", Method: "DELETE", Path: "/v1/credentials/{clientId}", Handle: (*API).deleteCredential},
	{Function: "projects", Method: "POST", Path: "/v1/credentials/{clientId}/rotate-secret", Handle: (*API).rotateCredentialSecret},

	{Function: "job-submit", Method: "POST", Path: "/v1/projects/{projectId}/tracking-number-jobs", Handle: (*API).submitJob},
	{Function: "job-query", Method: "GET", Path: "/v1/projects/{projectId}/tracking-number-jobs", Handle: (*API).listJobs},
	{Function: "job-query", Method: "GET", Path: "/v1/projects/{projectId}/tracking-number-jobs/{jobId}/report", Handle: (*API).jobReport},
	{Function: "job-query", Method: "GET", Path: "/v1/projects/{projectId}/tracking-numbers", Handle: (*API).listNumbers},
	{Function: "job-query", Method: "GET", Path: "/v1/projects/{projectId}/analytics/delivery", Handle: (*API).deliveryAnalytics},

	{Function: "messages", Method: "POST", Path: "/v1/messages", Errors: envelopeErrors, Handle: (*API).injectMessages},
	{Function: "messages", Method: "GET", Path: "/v1/messages/unmapped-statuses", Handle: (*API).listUnmappedStatuses},
	{Function: "tracker", Method: "POST", Path: "/v1/tracker", Errors: envelopeErrors, Handle: (*API).search},

	{Function: "tracking", Method: "GET", Path: "/v1/tracking/{tracking_number}", Public: true, Errors: trackingErrors, Handle: (*API).getTracking},
	{Function: "tracking", Method: "GET", Path: "/v1/tracking/{tracking_number}/service_history", Public: true, MuxPath: "/v1/tracking/{tracking_number}/{resource}", Errors: trackingErrors, Handle: (*API).getServiceHistory},
	{Function: "tracking", Method: "GET", Path: "/v1/tracking/flow/{shipment_type}", Public: true, Handle: (*API).getFlow},
	// The carrier registry and number detection: pure computation, public.
	{Function: "tracking", Method: "GET", Path: "/v1/carriers", Public: true, Handle: (*API).listCarriers},
	{Function: "tracking", Method: "GET", Path: "/v1/carriers/detect", Public: true, Handle: (*API).detectCarrier},

	// The public tracking page: the resource above as HTML for recipients.
	{Function: "tracking", Method: "GET", Path: "/track/{tracking_number}", Public: true, Errors: pageErrors, Handle: (*API).trackPage},
	// Data exchange (weavy-compatible).
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/entities", Handle: (*API).listEntities},
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/entities/{entityName}", Handle: (*API).getEntity},
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/{entity}", Handle: (*API).listRecords},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/{entity}", Handle: (*API).createRecord},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/{entity}/query", Handle: (*API).queryRecords},
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/{entity}/{code}", Handle: (*API).getRecord},
	{Function: "data", Method: "PUT", Path: "/v1/data/{projectId}/{entity}/{code}", Handle: (*API).updateRecord},
	{Function: "data", Method: "DELETE", Path: "/v1/data/{projectId}/{entity}/{code}", Handle: (*API).deleteRecord},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/export", Handle: (*API).validateExport},
	// Data imports, dataset delete and merge (weavy-compatible).
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/{entity}/bulk", Handle: (*API).bulkImport},
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/imports/{importId}", Handle: (*API).importStatus},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/dataset", Handle: (*API).datasetImport},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/dataset/delete", Handle: (*API).datasetDelete},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/relational", Handle: (*API).relationalImport},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/{entity}/mergeData", Handle: (*API).mergeRecords},

	// Webhooks and the event feed.
	{Function: "webhooks", Method: "POST", Path: "/v1/projects/{projectId}/webhooks", Handle: (*API).createWebhook},
	{Function: "webhooks", Method: "GET", Path: "/v1/projects/{projectId}/webhooks", Handle: (*API).listWebhooks},
	{Function: "webhooks", Method: "GET", Path: "/v1/projects/{projectId}/webhooks/{webhookId}", Handle: (*API).getWebhook},
	{Function: "webhooks", Method: "PATCH", Path: "/v1/projects/{projectId}/webhooks/{webhookId}", Handle: (*API).updateWebhook},
	{Function: "webhooks", Method: "DELETE", Path: "/v1/projects/{projectId}/webhooks/{webhookId}", Handle: (*API).deleteWebhook},
	{Function: "webhooks", Method: "POST", Path: "/v1/projects/{projectId}/webhooks/{webhookId}/rotate-secret", Handle: (*API).rotateWebhookSecret},
	{Function: "webhooks", Method: "GET", Path: "/v1/projects/{projectId}/webhooks/{webhookId}/attempts", Handle: (*API).listWebhookAttempts},
	{Function: "webhooks", Method: "POST", Path: "/v1/projects/{projectId}/webhooks/{webhookId}/replay", Handle: (*API).replayWebhook},
	{Function: "webhooks", Method: "GET", Path: "/v1/projects/{projectId}/events", Handle: (*API).listEvents},

	// Report outbox (weavy-compatible); the report-worker queue function mails them.
	{Function: "outbox", Method: "POST", Path: "/v1/data/{projectId}/outbox/report", Handle: (*API).submitReport},
	{Function: "outbox", Method: "GET", Path: "/v1/data/{projectId}/outbox/{outboxId}", Handle: (*API).getOutboxItem},
	{Function: "outbox", Method: "GET", Path: "/v1/data/{projectId}/outbox/{outboxId}/document", Handle: (*API).getOutboxDocument},

	// Accounts, licences and processing tasks (weavy-compatible).
	{Function: "projects", Method: "GET", Path: "/v1/projects/{projectId}/licences", Handle: (*API).getLicences},
	{Function: "projects", Method: "PUT", Path: "/v1/projects/{projectId}/licences", Handle: (*API).putLicences},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/accounts", Handle: (*API).putAccounts},
	{Function: "data", Method: "POST", Path: "/v1/data/{projectId}/tasks", Handle: (*API).createTasks},
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/tasks", Handle: (*API).listTasks},
	{Function: "data", Method: "GET", Path: "/v1/data/{projectId}/tasks/{taskId}", Handle: (*API).getTask},
}

// openAPIDocument serves the OpenAPI document.
func (a *API) openAPIDocument(w http.ResponseWriter, r *http.Request) error {
	openapi.Handler().ServeHTTP(w, r)
	return nil
}
