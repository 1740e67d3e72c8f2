package httpapi

import "net/http"

// BasePathHeader carries the path clients put before a route: the stage
// on API Gateway's own domain (/prod), a base path on a custom domain, or
// nothing. The Lambda adapter sets it from API Gateway's request context,
// always replacing what a client sent (see app.APIGatewayHandler).
const BasePathHeader = "X-Forwarded-Prefix"

// publicURL is the absolute URL clients use for path, a route of this API,
// as reached by the request r.
func publicURL(r *http.Request, path string) string {
	scheme := r.Header.Get("X-Forwarded-Proto")
	switch {
	case scheme == "http" || scheme == "https":
	case r.TLS != nil:
		scheme = "https"
	default:
		scheme = "http"
	}
	return scheme + "://" + r.Host + r.Header.Get(BasePathHeader) + path
}
