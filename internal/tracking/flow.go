package tracking

import "slices"

// flows is the expected flow of each shipment type: the statuses a parcel
// of that type goes through, in order. It is the one table the flow
// endpoint and shipment validation read.
var flows = map[string][]string{
	"inpost_locker_standard": {
		"created", "offers_prepared", "offer_selected", "confirmed", "dispatched_by_sender",
		"collected_from_sender", "taken_by_courier", "adopted_at_source_branch", "sent_from_source_branch",
		"adopted_at_sorting_center", "sent_from_sorting_center", "adopted_at_target_branch",
		"out_for_delivery", "ready_to_pickup", "delivered",
	},
	"inpost_courier_standard": {
		"created", "offers_prepared", "offer_selected", "confirmed", "dispatched_by_sender",
		"collected_from_sender", "taken_by_courier", "adopted_at_source_branch", "sent_from_source_branch",
		"adopted_at_sorting_center", "sent_from_sorting_center", "adopted_at_target_branch",
		"out_for_delivery", "delivered",
	},
	"parcel_express": {
		"label_created", "picked_up", "in_transit", "arrived_at_facility", "departed_facility",
		"out_for_delivery", "delivered",
	},
	"parcel_ground": {
		"label_created", "picked_up", "in_transit", "arrived_at_facility", "departed_facility",
		"out_for_delivery", "delivered",
	},
	"parcel_international": {
		"label_created", "picked_up", "in_transit", "customs_clearance", "cleared_customs",
		"arrived_at_facility", "out_for_delivery", "delivered",
	},
}

// Flow returns the expected flow of a shipment type.
func Flow(shipmentType string) ([]string, bool) {
	f, ok := flows[shipmentType]
	return slices.Clone(f), ok
}

// Ahead returns the statuses still ahead of status in the flow of its
// shipment type: the whole flow before the first status, none once the
// status is final, and none for a type without a flow or a status outside
// it (a parcel off its expected path has no expected flow).
func Ahead(shipmentType, status string) []string {
	f := flows[shipmentType]
	i := -1
	if status != "" {
		if i = slices.Index(f, status); i < 0 {
			return []string{}
		}
	}
	return append([]string{}, f[i+1:]...)
}

// KnownType reports whether the shipment type is in the flow table.
func KnownType(shipmentType string) bool {
	_, ok := flows[shipmentType]
	return ok
}
