package tracking

import (
	"slices"
	"testing"
)

func TestAheadListsStatusesStillToCome(t *testing.T) {
	full, _ := Flow("parcel_express")
	cases := []struct {
		name, typ, status string
		want              []string
	}{
		{"no status yet", "parcel_express", "", full},
		{"first status", "parcel_express", "label_created", full[1:]},
		{"midway", "parcel_express", "departed_facility", []string{"out_for_delivery", "delivered"}},
		{"final", "parcel_express", "delivered", []string{}},
		{"off the flow", "parcel_express", "returned_to_sender", []string{}},
		{"type without flow", "", "in_transit", []string{}},
		{"type without flow, no status", "", "", []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Ahead(c.typ, c.status)
			if got == nil || !slices.Equal(got, c.want) {
				t.Fatalf("Ahead(%q, %q) = %#v, want %v", c.typ, c.status, got, c.want)
			}
		})
	}
}

func TestAheadDoesNotShareTheFlowTable(t *testing.T) {
	Ahead("parcel_express", "")[0] = "changed"
	if f, _ := Flow("parcel_express"); f[0] != "label_created" {
		t.Fatal("Ahead returned the flow table itself")
	}
}
