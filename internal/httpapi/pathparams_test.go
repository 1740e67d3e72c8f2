package httpapi

import (
	"regexp"
	"slices"
	"testing"
)

// TestPathParamsListsEveryRoutesWildcards: the segment scan finds in every
// route's pattern the names a {name} pattern finds, in order, and reads the
// other wildcard forms ServeMux knows as ServeMux does.
func TestPathParamsListsEveryRoutesWildcards(t *testing.T) {
	braces := regexp.MustCompile(`\{([A-Za-z_]+)\}`)
	for _, rt := range Routes {
		var want []string
		for _, m := range braces.FindAllStringSubmatch(rt.muxPattern(), -1) {
			want = append(want, m[1])
		}
		if got := pathParams(rt.muxPattern()); !slices.Equal(got, want) {
			t.Errorf("%s: wildcards %q, want %q", rt.muxPattern(), got, want)
		}
	}
	for pattern, want := range map[string][]string{
		"GET /files/{path...}": {"path"},
		"GET /v1/{id}/{$}":     {"id"},
		"GET /":                nil,
	} {
		if got := pathParams(pattern); !slices.Equal(got, want) {
			t.Errorf("%s: wildcards %q, want %q", pattern, got, want)
		}
	}
}
