package tag_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// TestFlowStatusesMap: every status of every shipment-type flow maps, for
// the carriers that ship that type and for a carrier without a table.
func TestFlowStatusesMap(t *testing.T) {
	types := map[string][]carrier.Carrier{
		"inpost_locker_standard":  {carrier.InPost},
		"inpost_courier_standard": {carrier.InPost},
		"parcel_express":          {carrier.DHLExpress, carrier.FedEx, carrier.UPS, carrier.USPS, ""},
		"parcel_ground":           {carrier.FedEx, carrier.UPS, carrier.USPS, ""},
		"parcel_international":    {carrier.DHLExpress, carrier.FedEx, carrier.UPS, carrier.USPS, ""},
	}
	for typ, carriers := range types {
		flow, ok := tracking.Flow(typ)
		if !ok {
			t.Errorf("no flow %q", typ)
		}
		for _, c := range carriers {
			for _, status := range flow {
				if st, mapped := tag.Classify(string(c), status, "", false); !mapped {
					t.Errorf("%s flow %s: %q is unmapped (%+v)", c, typ, status, st)
				}
			}
		}
	}
	// The flows end delivered, and a locker flow waits in the locker first.
	if st, _ := tag.Classify("inpost", "ready_to_pickup", "", true); st.Subtag != "AvailableForPickup_Locker" {
		t.Errorf("inpost ready_to_pickup = %+v", st)
	}
	if st, _ := tag.Classify("fedex", "out_for_delivery", "", true); st.Tag != tag.OutForDelivery {
		t.Errorf("fedex out_for_delivery = %+v", st)
	}
}

// demoOriginStatus is the demo command's codes (cmd/parcelgate/demo.go,
// demoOriginStatus), copied as the package main cannot be imported: the
// demo's events must all map, by code or by status.
var demoOriginStatus = map[carrier.Carrier]map[string]string{
	carrier.InPost: {
		"created": "UTW", "offers_prepared": "OFP", "offer_selected": "OFW", "confirmed": "PPN", "dispatched_by_sender": "NWP",
		"collected_from_sender": "ODB", "taken_by_courier": "PKR", "adopted_at_source_branch": "PNO", "sent_from_source_branch": "WNO",
		"adopted_at_sorting_center": "PSO", "sent_from_sorting_center": "WSO", "adopted_at_target_branch": "PDO",
		"out_for_delivery": "WDR", "ready_to_pickup": "DPM", "delivered": "DOR",
	},
	carrier.DHLExpress: {
		"label_created": "SA", "picked_up": "PU", "in_transit": "PL", "customs_clearance": "RR", "cleared_customs": "CR",
		"arrived_at_facility": "AF", "departed_facility": "DF", "out_for_delivery": "WC", "delivered": "OK",
	},
	carrier.FedEx: {
		"label_created": "OC", "picked_up": "PU", "in_transit": "IT", "customs_clearance": "CP", "cleared_customs": "CC",
		"arrived_at_facility": "AR", "departed_facility": "DP", "out_for_delivery": "OD", "delivered": "DL",
	},
	carrier.UPS: {
		"label_created": "M", "picked_up": "P", "in_transit": "I", "customs_clearance": "I", "cleared_customs": "I",
		"arrived_at_facility": "I", "departed_facility": "I", "out_for_delivery": "O", "delivered": "D",
	},
}

// TestDemoStatusesMap: each demo event maps, and to the tag its status
// word has, whichever of code and text decided.
func TestDemoStatusesMap(t *testing.T) {
	for c, codes := range demoOriginStatus {
		for status, origin := range codes {
			st, mapped := tag.Classify(string(c), status, origin, false)
			if !mapped {
				t.Errorf("%s %q (%s) is unmapped", c, status, origin)
				continue
			}
			if word, _ := tag.Classify(string(c), status, "", false); word.Tag != st.Tag {
				t.Errorf("%s %q (%s) = %+v, but %q alone = %+v", c, status, origin, st, status, word)
			}
		}
	}
}
