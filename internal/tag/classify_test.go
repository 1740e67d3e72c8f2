package tag

import (
	"slices"
	"testing"
)

// TestMappingsUnique fails when a table maps one raw status twice: by the
// same code, or by texts equal once normalized. Only the first would
// count, so the second would be a silent contradiction.
func TestMappingsUnique(t *testing.T) {
	seen := map[lookup]Mapping{}
	for _, m := range Mappings() {
		k := lookup{normalize(m.Carrier), m.Origin != "", normalize(m.Status)}
		if k.origin {
			k.raw = normalizeOrigin(m.Origin)
		}
		if first, dup := seen[k]; dup {
			t.Errorf("%+v maps the raw status of %+v again", m, first)
		}
		seen[k] = m
	}
}

func TestMappingsValid(t *testing.T) {
	carriers := map[string]bool{}
	for _, tb := range tables {
		if carriers[tb.carrier] {
			t.Errorf("two tables for carrier %q", tb.carrier)
		}
		carriers[tb.carrier] = true
		if tb.name == "" || tb.source == "" {
			t.Errorf("table %q needs a name and a source", tb.carrier)
		}
	}
	for _, m := range Mappings() {
		if (m.Origin == "") == (m.Status == "") {
			t.Errorf("%+v: exactly one of Origin and Status must be set", m)
		}
		if m.Carrier == "" && m.Origin != "" {
			t.Errorf("%+v: the generic table maps texts only", m)
		}
		if normalize(m.Carrier) != m.Carrier {
			t.Errorf("%+v: carrier code %q is not in normal form", m, m.Carrier)
		}
		if _, ok := ParseSubtag(string(m.Subtag)); !ok {
			t.Errorf("%+v: subtag not in the list", m)
		}
		if m.Subtag.Tag() != m.Tag {
			t.Errorf("%+v: subtag does not belong to tag", m)
		}
		if m.Subtag == "InTransit_Unknown" || m.Subtag == "InfoReceived_Unknown" {
			t.Errorf("%+v: the _Unknown subtags are for unmapped statuses only", m)
		}
		// A mapping must give itself back.
		got, mapped := Classify(m.Carrier, m.Status, m.Origin, false)
		if !mapped || got != (Status{m.Tag, m.Subtag}) {
			t.Errorf("%+v: Classify gives %+v, %v", m, got, mapped)
		}
	}
}

// TestCarrierTextsAgreeWithGeneric: a carrier's text that is also a
// generic word must keep the word's tag, since senders use the generic
// words for every carrier (this API's own flows do).
func TestCarrierTextsAgreeWithGeneric(t *testing.T) {
	for _, m := range Mappings() {
		if m.Carrier == "" || m.Status == "" {
			continue
		}
		if g, ok := index()[lookup{"", false, normalize(m.Status)}]; ok && g.Tag != m.Tag {
			t.Errorf("%+v: the generic table says %s", m, g.Tag)
		}
	}
}

func TestClassifyFallback(t *testing.T) {
	for _, c := range []struct {
		carrier, status, origin string
		moving                  bool
		want                    Status
	}{
		{"inpost", "teleported", "", true, Status{InTransit, "InTransit_Unknown"}},
		{"inpost", "teleported", "", false, Status{InfoReceived, "InfoReceived_Unknown"}},
		{"nobody", "", "", true, Status{InTransit, "InTransit_Unknown"}},
		{"", "", "", false, Status{InfoReceived, "InfoReceived_Unknown"}},
		{"ups", "", "ZZ", true, Status{InTransit, "InTransit_Unknown"}},
		// ShipX's "other" says nothing, so it falls back too.
		{"inpost", "other", "", true, Status{InTransit, "InTransit_Unknown"}},
		// A code means something only with its carrier.
		{"", "", "DL", false, Status{InfoReceived, "InfoReceived_Unknown"}},
		{"ups", "", "DL", false, Status{InfoReceived, "InfoReceived_Unknown"}},
		// Codes no source confirmed, or too coarse to say anything, are
		// left out on purpose.
		{"dhl", "", "SA", false, Status{InfoReceived, "InfoReceived_Unknown"}},
		{"gls", "", "FINAL", true, Status{InTransit, "InTransit_Unknown"}},
		{"purolator", "", "Undeliverable", true, Status{InTransit, "InTransit_Unknown"}},
	} {
		got, mapped := Classify(c.carrier, c.status, c.origin, c.moving)
		if mapped || got != c.want {
			t.Errorf("Classify(%q, %q, %q, %v) = %+v, %v; want %+v, false", c.carrier, c.status, c.origin, c.moving, got, mapped, c.want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		carrier, status, origin string
		want                    Subtag
	}{
		// Case, spaces, '-' and '_' do not matter in texts.
		{"inpost", "ready_to_pickup", "", "AvailableForPickup_Locker"},
		{"inpost", "Ready To Pickup", "", "AvailableForPickup_Locker"},
		{"inpost", "  READY-TO--pickup ", "", "AvailableForPickup_Locker"},
		{"InPost", "ready to pickup", "", "AvailableForPickup_Locker"},
		{"", "Out for delivery", "", "OutForDelivery_Other"},
		{"acme", "OUT-FOR-DELIVERY", "", "OutForDelivery_Other"},
		{"ups", "out for delivery today", "", "OutForDelivery_Other"},
		{"usps", "delivered, in/at mailbox", "", "Delivered_LeftAtDoor"},
		// Codes ignore case and surrounding space.
		{"fedex", "", " dl ", "Delivered_Other"},
		{"dhl_paket", "", "PRE-TRANSIT", "InfoReceived_Other"},
		{"royal-mail", "delivered", "", "Delivered_Other"},
		// The carrier's code wins over the text, the carrier's text over
		// the generic word.
		{"fedex", "in_transit", "DL", "Delivered_Other"},
		{"fedex", "delivered", "ZZ", "Delivered_Other"},
		{"inpost", "ready_to_pickup", "PPN", "InfoReceived_Other"},
		{"inpost", "returned_to_sender", "", "Exception_Returning"},
		{"usps", "", "43", "Delivered_PickedUpByRecipient"},
		{"dhl", "", "WC", "OutForDelivery_Other"},
		{"dhl", "", "transit", "InTransit_Other"},
		{"ups", "", "RS", "Exception_Returned"},
		{"usps", "", "21", "Exception_Returning"},
		{"dhl", "", "BA", "Exception_AddressIssue"},
		{"gls", "", "deliveredps", "AvailableForPickup_PickupPoint"},
		{"gls", "", "INTIAL.NORMAL", "InTransit_PickedUp"},
		{"canada_post", "", "1496", "Delivered_Other"},
		{"purolator", "On vehicle for delivery", "Other", "OutForDelivery_Other"},
		{"royal_mail", "", "EVKSP", "Delivered_Signed"},
	} {
		got, mapped := Classify(c.carrier, c.status, c.origin, false)
		if !mapped || got.Subtag != c.want || got.Tag != c.want.Tag() {
			t.Errorf("Classify(%q, %q, %q) = %+v, %v; want %s", c.carrier, c.status, c.origin, got, mapped, c.want)
		}
	}
}

// shipxStatuses is ShipX's GET /v1/statuses: every status it handles.
var shipxStatuses = []string{
	"created", "offers_prepared", "offer_selected", "confirmed", "dispatched_by_sender", "collected_from_sender",
	"taken_by_courier", "adopted_at_source_branch", "sent_from_source_branch", "ready_to_pickup_from_pok",
	"ready_to_pickup_from_pok_registered", "oversized", "adopted_at_sorting_center", "sent_from_sorting_center",
	"adopted_at_target_branch", "out_for_delivery", "ready_to_pickup", "pickup_reminder_sent", "delivered",
	"pickup_time_expired", "avizo", "claimed", "returned_to_sender", "canceled", "other",
	"dispatched_by_sender_to_pok", "out_for_delivery_to_address", "pickup_reminder_sent_address",
	"rejected_by_receiver", "undelivered_wrong_address", "undelivered_incomplete_address",
	"undelivered_unknown_receiver", "undelivered_cod_cash_receiver", "taken_by_courier_from_pok", "undelivered",
	"return_pickup_confirmation_to_sender", "ready_to_pickup_from_branch", "delay_in_delivery", "redirect_to_box",
	"canceled_redirect_to_box", "readdressed", "undelivered_no_mailbox", "undelivered_not_live_address",
	"undelivered_lack_of_access_letterbox", "missing", "stack_in_customer_service_point",
	"stack_parcel_pickup_time_expired", "unstack_from_customer_service_point",
	"courier_avizo_in_customer_service_point", "taken_by_courier_from_customer_service_point",
	"stack_in_box_machine", "unstack_from_box_machine", "stack_parcel_in_box_machine_pickup_time_expired",
}

// TestShipXComplete: the InPost table has every ShipX status (but
// "other", which says nothing) and nothing else.
func TestShipXComplete(t *testing.T) {
	var table []string
	for _, m := range Mappings() {
		if m.Carrier == "inpost" && m.Status != "" {
			table = append(table, m.Status)
		}
	}
	for _, s := range shipxStatuses {
		if in := slices.Contains(table, s); in == (s == "other") {
			t.Errorf("ShipX status %q: in the InPost table %v", s, in)
		}
	}
	for _, s := range table {
		if !slices.Contains(shipxStatuses, s) {
			t.Errorf("%q is in the InPost table but not a ShipX status", s)
		}
	}
}
