package tag

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/tags.md from the tables")

const docPath = "../../docs/tags.md"

// TestDocMatchesTables keeps docs/tags.md what the code would write, so
// the documented language cannot drift from the one served. After
// changing a table: go test ./internal/tag/ -run TestDocMatchesTables -update
func TestDocMatchesTables(t *testing.T) {
	want := doc()
	if *update {
		if err := os.WriteFile(docPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v (write it with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the tables: go test ./internal/tag/ -run TestDocMatchesTables -update", docPath)
	}
}

// doc renders docs/tags.md.
func doc() []byte {
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Tags: one status language across carriers\n\n")
	p("<!-- Generated from internal/tag by `go test ./internal/tag/ -run TestDocMatchesTables -update`; do not edit. -->\n\n")
	p("Every tracking event and every parcel's current status carries a `tag`, the delivery stage, and a `subtag`, ")
	p("the reason within it (`<Tag>_<Reason>`). Carriers' own statuses are kept as they came; the tag and subtag ")
	p("say the same thing in the same words for every carrier.\n\n")

	p("## Tags\n\n")
	p("| Tag | Meaning | Moving | Attention | Default subtag |\n|---|---|---|---|---|\n")
	for _, ti := range tags {
		p("| `%s` | %s | %s | %s | `%s` |\n", ti.tag, ti.description, yes(ti.tag.Moving()), yes(ti.tag.Attention()), Default(ti.tag))
	}
	p("\n*Moving*: the parcel has been handed to the carrier. *Attention*: someone should act; entering such a tag ")
	p("sends the `tracking.exception` webhook. The *default subtag* is the subtag of a status whose tag is known but ")
	p("not its reason, e.g. a tag a sender gave without a subtag.\n\n")

	p("## Subtags\n\n| Subtag | Tag | Meaning |\n|---|---|---|\n")
	for _, s := range subtags {
		p("| `%s` | `%s` | %s |\n", s.Subtag, s.Tag, s.Description)
	}

	p("\n## How a raw status is classified\n\n")
	p("An event's raw status is the carrier code (`carrier`), the status text (`status`) and the carrier's own ")
	p("status code (`originStatus`). The first of these lookups that matches decides:\n\n")
	p("1. the carrier's table, by its status code (case is ignored);\n")
	p("2. the carrier's table, by status text;\n")
	p("3. the generic table, by status text.\n\n")
	p("Texts match ignoring case and treating spaces, `-` and `_` alike: `Out for delivery`, `OUT-FOR-DELIVERY` ")
	p("and `out_for_delivery` are one status. A code wins over a text because it is what the carrier means ")
	p("exactly; some codes are coarse (UPS's `I` covers every scan in transit), and then the text adds nothing.\n\n")
	p("A status no table matches keeps its text and gets `InTransit` / `InTransit_Unknown` when the parcel was ")
	p("already moving (an earlier event had a moving tag), `InfoReceived` / `InfoReceived_Unknown` otherwise. ")
	p("No table maps to the `_Unknown` subtags, so they always mean \"not yet mapped\".\n\n")
	p("A table maps only what its carrier's documentation says; statuses whose meaning is unclear are left out ")
	p("on purpose and fall back as above.\n")

	for _, tb := range tables {
		carrier := "`" + tb.carrier + "`"
		if tb.carrier == "" {
			carrier = "any carrier"
		}
		p("\n### %s (%s)\n\nSource: %s\n\n", tb.name, carrier, tb.source)
		p("| Code | Status text | Tag | Subtag |\n|---|---|---|---|\n")
		for _, m := range tb.mappings() {
			p("| %s | %s | `%s` | `%s` |\n", code(m.Origin), code(m.Status), m.Tag, m.Subtag)
		}
	}
	return b.Bytes()
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// code quotes a table cell as code, "" as empty; '|' would end the cell.
func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}
