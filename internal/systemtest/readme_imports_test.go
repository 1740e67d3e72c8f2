package systemtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// readmeCalls are the data exchange calls of README's "Imports, dataset
// delete and merge" example that send a body: the path after $API and the
// body between the quotes of -d, as written.
func readmeCalls(t *testing.T) (paths, bodies []string) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(apitest.RepoDir(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Imports, dataset delete and merge")
	if !ok {
		t.Fatal("README has no imports section")
	}
	section, _, _ = strings.Cut(section, "\n```\n")
	call := regexp.MustCompile(`(?s)curl -s \$API(\S+) -H "\$AUTH" -H "\$JSON" -d '([^']*)'`)
	for _, m := range call.FindAllStringSubmatch(section, -1) {
		paths, bodies = append(paths, m[1]), append(bodies, m[2])
	}
	return paths, bodies
}

// TestREADMEImportExamples runs README's dataset, relational, dataset
// delete and merge examples as written, in order, and checks what each
// says it does and the counts its comments show.
func TestREADMEImportExamples(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	base, token := dataProject(t, e)
	paths, bodies := readmeCalls(t)
	want := []string{"/dataset", "/relational", "/dataset/delete", "/customer/mergeData"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Fatalf("README's example calls %v, want %v", paths, want)
	}
	counts := []map[string]int{
		{"addedRow": 4, "updatedRow": 0, "deletedRow": 0, "unchangedRow": 0},
		{"addedRow": 1, "updatedRow": 1, "deletedRow": 1, "unchangedRow": 0},
		{"deletedRow": 1},
		{"addedRow": 0, "updatedRow": 1, "deletedRow": 1, "unchangedRow": 1},
	}
	for i, path := range paths {
		if !json.Valid([]byte(bodies[i])) {
			t.Fatalf("README's %s body is not JSON: %s", path, bodies[i])
		}
		res := finished(t, e, token, e.Call(t, "POST", base+path, token, bodies[i]))
		if res.Status != "COMPLETED" {
			t.Fatalf("%s: %+v", path, res)
		}
		for k, n := range counts[i] {
			if got := count(t, res.Result, k); got != n {
				t.Errorf("%s: %s %d, README says %d (%v)", path, k, got, n, res.Result)
			}
		}
	}
	e.Call(t, "GET", base+"/customer/C2", token, nil).Want(t, 404)
	e.Call(t, "GET", base+"/order/O9", token, nil).Want(t, 404)
	e.Call(t, "GET", base+"/shipment/S1", token, nil).Want(t, 404)
	if o := decodeRecordBody(t, e.Call(t, "GET", base+"/order/O1", token, nil).Want(t, 200)); o["customer_ID"] != "C1" {
		t.Errorf("O1 after the merge: %v", o)
	}
}
