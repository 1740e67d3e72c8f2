package httpapi_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/devserver"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

const repo = "../.."

// TestTemplateMatchesCode keeps template.yaml, functions/, the Makefile and
// the route table in step: a route or a function added in one place only
// fails here.
func TestTemplateMatchesCode(t *testing.T) {
	tmpl, err := samtemplate.Load(filepath.Join(repo, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile(filepath.Join(repo, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	listed := regexp.MustCompile(`(?m)^FUNCTIONS := (.*)$`).FindSubmatch(makefile)
	if listed == nil {
		t.Fatal("Makefile has no FUNCTIONS list")
	}

	type route struct{ function, method, path string }
	var inTemplate []route
	var folders []string
	for _, f := range tmpl.Functions() {
		folder := devserver.Folder(f.LogicalID)
		folders = append(folders, folder)
		if _, err := os.Stat(filepath.Join(repo, "functions", folder, "main.go")); err != nil {
			t.Errorf("%s: no functions/%s/main.go", f.LogicalID, folder)
		}
		if !strings.Contains(string(makefile), "\nbuild-"+f.LogicalID+":") {
			t.Errorf("%s: Makefile has no build-%s target for sam build", f.LogicalID, f.LogicalID)
		}
		if !strings.Contains(string(makefile), "\nLOGICAL_"+folder+" := "+f.LogicalID+"\n") {
			t.Errorf("%s: Makefile does not map %s to it", f.LogicalID, folder)
		}
		for _, r := range f.Routes {
			inTemplate = append(inTemplate, route{folder, r.Method, r.Path})
		}
	}
	slices.Sort(folders)
	fields := strings.Fields(string(listed[1]))
	slices.Sort(fields)
	if !slices.Equal(folders, fields) {
		t.Errorf("Makefile FUNCTIONS %v, template functions %v", fields, folders)
	}
	entries, err := os.ReadDir(filepath.Join(repo, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(folders, e.Name()) {
			t.Errorf("functions/%s is not in template.yaml", e.Name())
		}
	}

	var inCode []route
	for _, r := range httpapi.Routes {
		inCode = append(inCode, route{r.Function, r.Method, r.Path})
	}
	for _, r := range inTemplate {
		if !slices.Contains(inCode, r) {
			t.Errorf("template routes %s %s to %s, which does not serve it", r.method, r.path, r.function)
		}
	}
	for _, r := range inCode {
		if !slices.Contains(inTemplate, r) {
			t.Errorf("%s serves %s %s, which template.yaml does not route to it", r.function, r.method, r.path)
		}
	}
}
