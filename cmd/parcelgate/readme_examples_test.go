package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The README's shell examples are run by TestREADMEExamplesRunAsWritten
// (readme_integration_test.go, against the emulators); this file reads
// them out of README.md and holds what that test does not run, and why.

// readmeExample is one command of a README sh block, as written.
type readmeExample struct {
	line    int    // README line of its first line
	section string // the heading above its block
	text    string // the command, its lines as written
	// note is its trailing comment, answer the comment lines right under
	// it: what the README says it answers or prints. A comment after a
	// blank line describes what follows instead.
	note   string
	answer []string
}

// skippedSections are the README sections whose sh blocks are not run.
var skippedSections = map[string]string{
	"Two commands":                        "make run and make test start the stack this test already runs in",
	"Deploy":                              "needs an AWS account",
	"sam local invoke":                    "needs Docker",
	"LocalStack instead of the emulators": "needs Docker",
	"Per-IP quota":                        "fuzzing for ten minutes each",
	"Generating a client":                 "TestGeneratedClientIsFresh and TestTypeScriptTypesCompile run the same generators on the same document; Python's come from PyPI and Java, which the test machines lack",
}

// skippedExamples are the commands of run sections that are not run,
// each found by a distinctive part of its text.
var skippedExamples = map[string]string{
	"make client ID=demo-ops CLIENT=demo": "the test creates the demo-ops credential of client demo itself",
	"make demo":                           "minutes of injection; demo_test.go covers the generator, TestDemoTracksItsParcelsAndSubscribesThemToAProject a run of 150 parcels",
	"parcelgate edd evaluate --chart":     "a minute or more of injection; internal/edd/eddsim's tests evaluate 3,000 parcels and check the README's table has the command's form",
	"edd evaluate --store dynamo":         "minutes of requests to the emulators; TestEvaluationIsTheSameOnMemoryAndOverTheWire runs 250 parcels on both backends",
	"PARCELGATE_WEBHOOK_ALLOW_LOOPBACK=1": "the test's API admits loopback receivers and retries seconds apart",
	"python3 -c '":                        "the test serves the same receiver, on a port of its own",
	"go install ./cmd/parcelgate":         "the test binary itself runs as parcelgate",
	"parcelgate jobs submit":              "100 jobs of 1,000 take minutes; TestCLISubmitsACSVInJobsResumesWithoutDuplicatesAndMergesTheReport runs 2,500 rows",
	"--data-binary @customers.json":       "the README does not build the 10,000-row file; data_import_integration_test.go pins that import",
	"$API/imports/$IMPORT_ID":             "polls the import above",
	`$API/relational`:                     "fixed on branch i22-text",
	`$API/customer/mergeData`:             "fixed on branch i22-text",
}

var makeTarget = regexp.MustCompile(`(^|[\s;&|(])make\s`)

// readREADME returns the commands of every sh block of README.md.
func readREADME(t testing.TB) []readmeExample {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return parseExamples(string(data))
}

func parseExamples(readme string) []readmeExample {
	var (
		out     []readmeExample
		section string
		inSh    bool
		cur     *readmeExample
		lex     shellLexer
		open    bool // the last command may still take answer lines
	)
	for i, line := range strings.Split(readme, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case !inSh && strings.HasPrefix(line, "#"):
			section = strings.TrimSpace(strings.TrimLeft(line, "#"))
			continue
		case !inSh && strings.HasPrefix(line, "```sh"):
			inSh, open = true, false
			continue
		case !inSh:
			continue
		case cur == nil && strings.HasPrefix(line, "```"):
			inSh, open = false, false
			continue
		}
		if cur != nil {
			cur.text += "\n" + line
			if comment, done := lex.line(line); done {
				cur.note = comment
				out, cur, open = append(out, *cur), nil, true
			}
			continue
		}
		switch {
		case trimmed == "":
			open = false
		case strings.HasPrefix(trimmed, "#"):
			if open {
				last := &out[len(out)-1]
				last.answer = append(last.answer, strings.TrimSpace(strings.TrimPrefix(trimmed, "#")))
			}
		default:
			cur, lex = &readmeExample{line: i + 1, section: section, text: line}, shellLexer{}
			if comment, done := lex.line(line); done {
				cur.note = comment
				out, cur, open = append(out, *cur), nil, true
			}
		}
	}
	return out
}

// shellLexer follows quotes across the lines of one command, so that a
// JSON body spanning lines, or a line ending in a backslash, continues it.
type shellLexer struct{ quote byte }

// line reads one more line of the command; it reports the trailing comment
// and whether the command ends with this line.
func (l *shellLexer) line(s string) (comment string, done bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case l.quote == '\'':
			if c == '\'' {
				l.quote = 0
			}
		case c == '\\':
			i++
		case l.quote == '"':
			if c == '"' {
				l.quote = 0
			}
		case c == '\'' || c == '"':
			l.quote = c
		case c == '#' && (i == 0 || s[i-1] == ' '):
			return strings.TrimSpace(s[i+1:]), true
		}
	}
	return "", l.quote == 0 && !strings.HasSuffix(s, "\\")
}

// skipReason says why e is not run, or "" when it is.
func skipReason(e readmeExample) string {
	if r, ok := skippedSections[e.section]; ok {
		return r
	}
	for part, r := range skippedExamples {
		if strings.Contains(e.text, part) {
			return r
		}
	}
	return ""
}

// TestREADMEExamplesAreRunOrSkippedWithAReason keeps the skip tables
// honest: each entry names something the README still has, once.
func TestREADMEExamplesAreRunOrSkippedWithAReason(t *testing.T) {
	examples := readREADME(t)
	sections := map[string]bool{}
	for _, e := range examples {
		sections[e.section] = true
	}
	for s := range skippedSections {
		if !sections[s] {
			t.Errorf("skippedSections names %q, which has no sh block any more", s)
		}
	}
	for part := range skippedExamples {
		n := 0
		for _, e := range examples {
			if _, whole := skippedSections[e.section]; !whole && strings.Contains(e.text, part) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("skippedExamples entry %q matches %d commands, want 1", part, n)
		}
	}
	curls := 0
	for _, e := range examples {
		if skipReason(e) != "" {
			continue
		}
		if strings.Contains(e.text, "curl ") {
			curls++
		}
		// The test would run it: a make target starts stacks or runs
		// for minutes.
		if makeTarget.MatchString(e.text) {
			t.Errorf("README line %d runs a make target: give it a reason in skippedExamples", e.line)
		}
	}
	if curls < 50 {
		t.Errorf("only %d curl examples run: is the README still read right?", curls)
	}
}

// expectation is what an answer comment asks of an answer.
type expectation struct {
	status int      // 0: any 2xx
	word   string   // a code the body must contain (uknown_tracking_number)
	body   *pattern // nil: nothing about the body
	// deliveries are webhook bodies the receiver must get: the comment
	// shows what the README's receiver prints (evt_...).
	deliveries []*pattern
}

var (
	leadingStatus = regexp.MustCompile(`^([1-5][0-9]{2})\b\s*`)
	leadingCode   = regexp.MustCompile(`^[A-Za-z]+_[A-Za-z_]+`)
)

func expect(answer []string) expectation {
	text := strings.TrimSpace(strings.Join(answer, " "))
	var x expectation
	if strings.HasPrefix(text, "evt_") {
		for _, chunk := range strings.Split(text, "evt_")[1:] {
			if i := strings.IndexByte(chunk, '{'); i >= 0 {
				x.deliveries = append(x.deliveries, parsePattern(chunk[i:]))
			}
		}
		return x
	}
	if m := leadingStatus.FindStringSubmatch(text); m != nil {
		x.status, _ = strconv.Atoi(m[1])
		text = text[len(m[0]):]
		x.word = leadingCode.FindString(text)
	}
	if i := strings.IndexAny(text, `{["`); i >= 0 {
		x.body = parsePattern(text[i:])
		if x.status == 0 && x.body.kind == 'o' {
			// A problem body shown alone states its own status.
			for _, k := range x.body.keys {
				if k.name == "status" && k.value != nil && k.value.kind == 'n' {
					if n, err := strconv.Atoi(k.value.text); err == nil && n >= 400 {
						x.status = n
					}
				}
			}
		}
	}
	return x
}

// pattern is the README's shorthand of a JSON answer: the keys and values
// it shows must be there; "..." stands for anything left out.
type pattern struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number or literal, '*' anything
	keys  []patternKey
	elems []*pattern
	text  string
}

type patternKey struct {
	name  string
	value *pattern // nil: the key alone is shown
}

// parsePattern reads one value; text after it is prose. Text that starts
// with a key is a fragment of an object.
func parsePattern(text string) *pattern {
	p := &patternParser{toks: tokenize(text)}
	if len(p.toks) > 0 && p.toks[0].kind == 's' && len(p.toks) > 1 && p.toks[1].kind == ':' {
		return p.object()
	}
	return p.value()
}

type token struct {
	kind byte // one of {}[]:, ; 's' string, 'n' number or word, '.' ellipsis
	text string
}

func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case strings.ContainsRune("{}[]:,", rune(c)):
			toks = append(toks, token{kind: c})
			i++
		case strings.HasPrefix(s[i:], "..."):
			toks = append(toks, token{kind: '.'})
			i += 3
		case strings.HasPrefix(s[i:], "…"):
			toks = append(toks, token{kind: '.'})
			i += len("…")
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			toks = append(toks, token{kind: 's', text: b.String()})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n{}[]:,\"", rune(s[j])) && !strings.HasPrefix(s[j:], "...") {
				j++
			}
			if j == i {
				j++
			}
			toks = append(toks, token{kind: 'n', text: s[i:j]})
			i = j
		}
	}
	return toks
}

type patternParser struct {
	toks []token
	i    int
}

func (p *patternParser) next() token {
	if p.i >= len(p.toks) {
		return token{}
	}
	p.i++
	return p.toks[p.i-1]
}

func (p *patternParser) peek() token {
	if p.i >= len(p.toks) {
		return token{}
	}
	return p.toks[p.i]
}

func (p *patternParser) value() *pattern {
	t := p.next()
	switch t.kind {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case 's':
		return &pattern{kind: 's', text: t.text}
	case 'n':
		return &pattern{kind: 'n', text: t.text}
	}
	return &pattern{kind: '*'}
}

func (p *patternParser) object() *pattern {
	o := &pattern{kind: 'o'}
	for {
		t := p.next()
		switch t.kind {
		case '}', 0:
			return o
		case 's':
			k := patternKey{name: t.text}
			if p.peek().kind == ':' {
				p.next()
				k.value = p.value()
			}
			o.keys = append(o.keys, k)
		}
	}
}

func (p *patternParser) array() *pattern {
	a := &pattern{kind: 'a'}
	for {
		switch p.peek().kind {
		case ']', 0:
			p.next()
			return a
		case ',', '.':
			p.next()
		default:
			a.elems = append(a.elems, p.value())
		}
	}
}

var dateTime = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}`)

// matches reports whether v, decoded with UseNumber, shows what p shows.
// Times are examples: any time written the same way matches.
func (p *pattern) matches(v any) bool {
	switch p.kind {
	case 'o':
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for _, k := range p.keys {
			got, ok := m[k.name]
			if !ok || (k.value != nil && !k.value.matches(got)) {
				return false
			}
		}
		return true
	case 'a':
		arr, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range p.elems {
			found := false
			for _, got := range arr {
				found = found || e.matches(got)
			}
			if !found {
				return false
			}
		}
		return true
	case 's':
		s, ok := v.(string)
		switch {
		case !ok:
			return false
		case strings.Contains(p.text, "...") || strings.Contains(p.text, "…"):
			return globOf(p.text).MatchString(s)
		case dateTime.MatchString(p.text):
			return timeShape(s) == timeShape(p.text)
		}
		return s == p.text
	case 'n':
		if v == nil {
			return p.text == "null"
		}
		if b, ok := v.(bool); ok {
			return p.text == map[bool]string{true: "true", false: "false"}[b]
		}
		n, ok := v.(json.Number)
		return ok && n.String() == p.text
	}
	return true
}

// matchesWithin reports whether p matches v or any value inside it: an
// answer comment may show a part of the answer only.
func (p *pattern) matchesWithin(v any) bool {
	if p.matches(v) {
		return true
	}
	switch v := v.(type) {
	case map[string]any:
		for _, c := range v {
			if p.matchesWithin(c) {
				return true
			}
		}
	case []any:
		for _, c := range v {
			if p.matchesWithin(c) {
				return true
			}
		}
	}
	return false
}

// globOf turns "..." into "anything"; an id shown as 0193... (a
// time-ordered id of the README's day) is any id.
func globOf(s string) *regexp.Regexp {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "0193...", "..."), "…", "...")
	parts := strings.Split(s, "...")
	for i, part := range parts {
		parts[i] = regexp.QuoteMeta(part)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

var fraction = regexp.MustCompile(`\.[0-9]+`)

// timeShape is how a time is written, whatever the time and its fraction
// of a second: 2026-12-07T16:56:43.39Z and 2026-11-24T12:00:00Z look alike,
// and unlike 2026-11-24T12:00:00 (no zone).
func timeShape(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '0'
		}
		return r
	}, fraction.ReplaceAllString(s, ""))
}

func decodeJSON(body []byte) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	return v, d.Decode(&v) == nil
}

func TestAnswerPatternsReadTheREADMEShorthand(t *testing.T) {
	answer := `{"data":{"id":"01a2c3d4-0000","batchReference":"ABC12345","receivedDate":"2026-12-07T10:00:00Z","n":3,"ok":true,"none":null,` +
		`"items":[{"a":1,"b":"x"},{"a":2,"b":"not a valid tracking number for any carrier"}]}}`
	v, ok := decodeJSON([]byte(answer))
	if !ok {
		t.Fatal("bad answer")
	}
	for _, tc := range []struct {
		comment string
		want    bool
	}{
		{`202 {"data":{"id":"0193...","batchReference":"ABC12345","receivedDate":"...",...}}`, true},
		{`{"data":{"receivedDate":"2026-11-24T12:00:00Z","n":3,"ok":true,"none":null}}`, true},
		{`... "n":3,"items":[{"a":2,...},...] and prose`, true},
		{`"items":[{"b":"not a valid tracking number ..."}]`, true},
		{`{"data":{"id","batchReference","items":[{"a","b"}]}}`, true},
		{`{"data":{"n":4}}`, false},
		{`{"data":{"none":false}}`, false},
		{`{"data":{"missing"}}`, false},
		{`"items":[{"a":1,"b":"y"}]`, false},
		{`{"data":{"receivedDate":"2026-11-24T12:00:00.5Z"}}`, true},
		{`{"data":{"receivedDate":"2026-11-24T12:00:00"}}`, false},
	} {
		x := expect([]string{tc.comment})
		if x.body == nil || x.body.matchesWithin(v) != tc.want {
			t.Errorf("%s: matched %v, want %v", tc.comment, x.body != nil && !tc.want, tc.want)
		}
	}
	if x := expect([]string{"400 uknown_tracking_number, as ShipX spells it"}); x.status != 400 || x.word != "uknown_tracking_number" || x.body != nil {
		t.Errorf("status and code: %+v", x)
	}
	if x := expect([]string{`{..."status":400,"detail":"[0].code: unknown task code \"purge\"",...}`}); x.status != 400 {
		t.Errorf("a problem's own status: %+v", x)
	}
	if x := expect([]string{`evt_an... (job.completed, answered 410)`, `evt_ZHwy... {"type":"webhook.disabled"}`}); len(x.deliveries) != 1 || x.body != nil {
		t.Errorf("receiver output: %+v", x)
	}
}

func TestExamplesAreSplitAsTheShellWouldRunThem(t *testing.T) {
	readme := "## S\n\n```sh\n# about a\nA=$(curl -s x \\\n  -d '{\"a\":\n  \"#b\"}' | sed 's/x/y/')   # 201 {\"a\":1}\n#   more\n\n# about b\necho \"it's\" # done\n# answer\n```\n"
	got := parseExamples(readme)
	if len(got) != 2 {
		t.Fatalf("%d examples: %+v", len(got), got)
	}
	if got[0].line != 5 || got[0].section != "S" || !strings.HasSuffix(got[0].text, "| sed 's/x/y/')   # 201 {\"a\":1}") ||
		got[0].note != `201 {"a":1}` || strings.Join(got[0].answer, "|") != "more" {
		t.Errorf("first: %+v", got[0])
	}
	if got[1].text != `echo "it's" # done` || got[1].note != "done" || strings.Join(got[1].answer, "|") != "answer" {
		t.Errorf("second: %+v", got[1])
	}
}
