package tag

import "testing"

// FuzzClassify: whatever a carrier sends, Classify gives a valid tag and
// subtag pair, and an unmapped status the fallback.
func FuzzClassify(f *testing.F) {
	for _, m := range Mappings() {
		f.Add(m.Carrier, m.Status, m.Origin, true)
	}
	f.Add("", "", "", false)
	f.Add("inpost", " _-\t", "\x00", true)
	f.Add("ups", "\xff\xfe", "İ", false)
	f.Fuzz(func(t *testing.T, carrier, status, origin string, moving bool) {
		st, mapped := Classify(carrier, status, origin, moving)
		if _, ok := ParseTag(string(st.Tag)); !ok {
			t.Fatalf("tag %q is not a tag", st.Tag)
		}
		if _, ok := ParseSubtag(string(st.Subtag)); !ok || st.Subtag.Tag() != st.Tag {
			t.Fatalf("%+v is not a valid pair", st)
		}
		if !mapped {
			want := Status{InfoReceived, "InfoReceived_Unknown"}
			if moving {
				want = Status{InTransit, "InTransit_Unknown"}
			}
			if st != want {
				t.Fatalf("unmapped %+v, want %+v", st, want)
			}
		}
	})
}
