// Package tag is the one status language of every carrier: a tag (one of
// nine, the delivery stage) and a subtag (the reason within it) on every
// event and on a parcel's current status, as tracking aggregators give
// them. Carriers speak in thousands of raw statuses; clients branch on
// these few.
//
// Classify maps a carrier's raw status to the language through the tables
// of tables.go; docs/tags.md lists the tags, the subtags and every table
// entry, and a test keeps it equal to the code.
//
// The package is pure computation on strings, with no I/O.
package tag

import "strings"

// Tag is a delivery stage.
type Tag string

// The tags, in the order of a parcel's life, then the two that end it
// abnormally.
const (
	Pending            Tag = "Pending"
	InfoReceived       Tag = "InfoReceived"
	InTransit          Tag = "InTransit"
	OutForDelivery     Tag = "OutForDelivery"
	AttemptFail        Tag = "AttemptFail"
	AvailableForPickup Tag = "AvailableForPickup"
	Delivered          Tag = "Delivered"
	Exception          Tag = "Exception"
	Expired            Tag = "Expired"
)

// tagInfo describes a tag for Tags and docs/tags.md.
type tagInfo struct {
	tag         Tag
	description string
}

var tags = []tagInfo{
	{Pending, "The number is known but no carrier has told anything about it yet."},
	{InfoReceived, "The carrier has the shipment's data (a label, an order) but not the parcel yet."},
	{InTransit, "The carrier has the parcel and it is on its way."},
	{OutForDelivery, "The parcel is on the vehicle that delivers it to the recipient's address or pickup point."},
	{AttemptFail, "The carrier tried to deliver and could not; it usually tries again or leaves a notice."},
	{AvailableForPickup, "The parcel waits for the recipient at a locker, pickup point or carrier office."},
	{Delivered, "The recipient has the parcel."},
	{Exception, "Something went wrong: held, delayed, damaged, lost, refused, cancelled, or going back to the sender."},
	{Expired, "Tracking stopped: no news of the parcel for too long."},
}

// Tags returns the nine tags, in the order of the constants.
func Tags() []Tag {
	out := make([]Tag, len(tags))
	for i, t := range tags {
		out[i] = t.tag
	}
	return out
}

// ParseTag returns the tag spelt s. Only the exact spelling is a tag: the
// value is an API enum, and a lenient parser would let two spellings of
// one tag into stored data.
func ParseTag(s string) (Tag, bool) {
	for _, t := range tags {
		if string(t.tag) == s {
			return t.tag, true
		}
	}
	return "", false
}

// Moving reports whether a parcel with this tag has been handed to the
// carrier. Classify needs it for a status no table knows: such a status
// after the parcel moved is news in transit, before it only paperwork.
// Expired is not moving: it is the tracker's verdict, not a carrier event,
// and says nothing of where the parcel is.
func (t Tag) Moving() bool {
	switch t {
	case InTransit, OutForDelivery, AttemptFail, AvailableForPickup, Delivered, Exception:
		return true
	}
	return false
}

// Attention reports whether the tag needs someone to act: the parcel is
// in trouble (Exception) or missed its recipient (AttemptFail). It drives
// the tracking.exception webhook.
func (t Tag) Attention() bool {
	return t == Exception || t == AttemptFail
}

// Subtag is the reason within a tag, spelt "<Tag>_<Reason>", e.g.
// "Exception_Returning"; its tag is the part before the first '_'.
type Subtag string

// SubtagInfo describes a subtag.
type SubtagInfo struct {
	Subtag      Subtag
	Tag         Tag
	Description string
}

// subtags is the whole list, grouped by tag in Tags order, each tag's
// default (its "_Other") first. Every tag has an "_Other" subtag so that a
// status known only by its stage still gets a subtag; InfoReceived and
// InTransit also have an "_Unknown" one, which only Classify gives, to a
// status no table knows, so an unmapped status stays recognisable.
var subtags = []SubtagInfo{
	{"Pending_Other", Pending, "No tracking information yet."},

	{"InfoReceived_Other", InfoReceived, "The shipment is registered with the carrier (label created, order confirmed); the carrier does not have the parcel yet."},
	{"InfoReceived_Unknown", InfoReceived, "A status no table knows, on a parcel not yet handed to the carrier."},

	{"InTransit_Other", InTransit, "On the way, with no more detail."},
	{"InTransit_PickedUp", InTransit, "The carrier has taken the parcel from the sender: picked up, or dropped off at a locker, pickup point or office."},
	{"InTransit_Arrived", InTransit, "Arrived at a carrier facility: branch, depot, hub or sorting center."},
	{"InTransit_Departed", InTransit, "Left a carrier facility."},
	{"InTransit_CustomsClearance", InTransit, "In customs clearance."},
	{"InTransit_CustomsCleared", InTransit, "Released by customs."},
	{"InTransit_Redirected", InTransit, "Sent to another address or pickup point than first planned, at the recipient's request or the carrier's."},
	{"InTransit_Unknown", InTransit, "A status no table knows, on a parcel already handed to the carrier."},

	{"OutForDelivery_Other", OutForDelivery, "On the delivery vehicle, to the recipient's address or to the pickup point or locker chosen."},

	{"AttemptFail_Other", AttemptFail, "A delivery attempt failed, for another or an unstated reason."},
	{"AttemptFail_NoRecipient", AttemptFail, "Nobody was there to take the parcel."},
	{"AttemptFail_BusinessClosed", AttemptFail, "The recipient's business was closed."},
	{"AttemptFail_AddressIssue", AttemptFail, "The address is wrong or incomplete, or the recipient is not known there."},
	{"AttemptFail_NoAccess", AttemptFail, "The courier could not reach the door or the mailbox."},

	{"AvailableForPickup_Other", AvailableForPickup, "Waiting for the recipient to collect it."},
	{"AvailableForPickup_Locker", AvailableForPickup, "Waiting in a parcel locker."},
	{"AvailableForPickup_PickupPoint", AvailableForPickup, "Waiting at a partner pickup point (a shop, a kiosk)."},
	{"AvailableForPickup_Branch", AvailableForPickup, "Waiting at the carrier's own branch, depot or post office."},

	{"Delivered_Other", Delivered, "Delivered."},
	{"Delivered_Signed", Delivered, "Delivered against the recipient's signature."},
	{"Delivered_PickedUpByRecipient", Delivered, "Collected by the recipient from a locker, pickup point or office."},
	{"Delivered_LeftAtDoor", Delivered, "Left at the door, in the mailbox or in another safe place, without a signature."},
	{"Delivered_Neighbor", Delivered, "Left with a neighbor."},

	{"Exception_Other", Exception, "A problem of another or an unstated kind."},
	{"Exception_Returning", Exception, "On its way back to the sender."},
	{"Exception_Returned", Exception, "Back with the sender."},
	{"Exception_Customs", Exception, "Held or delayed by customs."},
	{"Exception_Damaged", Exception, "Damaged."},
	{"Exception_Lost", Exception, "Lost or missing."},
	{"Exception_Delayed", Exception, "Delayed in the carrier's network."},
	{"Exception_AddressIssue", Exception, "Undeliverable as addressed; the carrier needs a corrected address."},
	{"Exception_Refused", Exception, "The recipient refused the parcel."},
	{"Exception_Cancelled", Exception, "The shipment was cancelled."},
	{"Exception_Held", Exception, "Held by the carrier: awaiting payment, instructions or a decision."},
	{"Exception_Unclaimed", Exception, "Not collected in time from a locker, pickup point or office; it usually goes back to the sender."},

	{"Expired_Other", Expired, "No news of the parcel for too long."},
}

// Subtags returns the whole list of subtags, grouped by tag in Tags order.
func Subtags() []SubtagInfo {
	return append([]SubtagInfo(nil), subtags...)
}

// ParseSubtag returns the subtag spelt s, if the list has it.
func ParseSubtag(s string) (Subtag, bool) {
	for _, info := range subtags {
		if string(info.Subtag) == s {
			return info.Subtag, true
		}
	}
	return "", false
}

// Tag returns the subtag's tag: the part before the first '_', if it is a
// tag; "" otherwise.
func (s Subtag) Tag() Tag {
	prefix, _, ok := strings.Cut(string(s), "_")
	if !ok {
		return ""
	}
	t, _ := ParseTag(prefix)
	return t
}

// Default returns the tag's generic subtag, "<Tag>_Other": the subtag of
// a status whose tag is known but not its reason (a sender gave only a
// tag). It returns "" for a string that is not a tag.
func Default(t Tag) Subtag {
	if _, ok := ParseTag(string(t)); !ok {
		return ""
	}
	return Subtag(t + "_Other")
}
