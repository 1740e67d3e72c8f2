package carrier

import (
	"encoding/json"
	"os"
	"testing"
)

// tndFormat is one format's test numbers in
// testdata/tracking_number_data.json (see its _comment for source and
// licence).
type tndFormat struct {
	Courier string   `json:"courier"`
	ID      string   `json:"id"`
	Format  string   `json:"format"`
	Valid   []string `json:"valid"`
	Invalid []string `json:"invalid"`
}

func loadTND(t testing.TB) []tndFormat {
	t.Helper()
	b, err := os.ReadFile("testdata/tracking_number_data.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Formats []tndFormat `json:"formats"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	return file.Formats
}

// ourCarrier maps a tracking_number_data courier code to ours for number
// n: the codes are the same except s10, whose numbers belong to the post
// of their country.
func ourCarrier(courier, n string) Carrier {
	if courier != "s10" {
		return Carrier(courier)
	}
	if c, ok := postalOperators[n[len(n)-2:]]; ok {
		return c
	}
	return "upu"
}

// TestTrackingNumberData runs every test number of tracking_number_data:
// a valid number is detected as its courier (first candidate) by the
// format it was listed under; an invalid one is refused by that format.
// Some invalid numbers are valid for another format or carrier (a
// Purolator 12-digit number listed as not Purolator's alpha format, FedEx
// SmartPost's 20 digits listed as not USPS IMpb): the rule is only that the
// courier's format refuses them.
func TestTrackingNumberData(t *testing.T) {
	valid, validOK, invalid, invalidOK := 0, 0, 0, 0
	for _, f := range loadTND(t) {
		for _, raw := range f.Valid {
			valid++
			n := Normalize(raw)
			want := ourCarrier(f.Courier, n)
			cs := Candidates(n)
			if len(cs) == 0 || cs[0].Carrier != want || cs[0].Format != f.Format {
				t.Errorf("%s %q: candidates %v, want %s/%s first", f.ID, raw, cs, want, f.Format)
				continue
			}
			validOK++
		}
		for _, raw := range f.Invalid {
			invalid++
			n := Normalize(raw)
			if fits(Carrier(f.Courier), f.Format, n) {
				t.Errorf("%s %q: format %s accepts it", f.ID, raw, f.Format)
				continue
			}
			invalidOK++
		}
	}
	// No data would pass every check above.
	if valid == 0 || invalid == 0 {
		t.Fatalf("the data holds %d valid and %d invalid numbers; want some of each", valid, invalid)
	}
	t.Logf("valid numbers recognised: %d/%d; invalid numbers refused: %d/%d", validOK, valid, invalidOK, invalid)
}

// fits reports whether format (of carrier, or of any postal operator for
// s10) accepts n.
func fits(c Carrier, format, n string) bool {
	for _, f := range carriers().ranked {
		if f.Name == format && (f.carrier == c || format == "s10") && wellFormed(n) && f.match(n) {
			return true
		}
	}
	return false
}
