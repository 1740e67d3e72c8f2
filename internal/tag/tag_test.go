package tag

import (
	"slices"
	"strings"
	"testing"
)

func TestTags(t *testing.T) {
	want := []Tag{Pending, InfoReceived, InTransit, OutForDelivery, AttemptFail, AvailableForPickup, Delivered, Exception, Expired}
	if got := Tags(); !slices.Equal(got, want) {
		t.Fatalf("Tags() = %v, want %v", got, want)
	}
	for _, tg := range want {
		if got, ok := ParseTag(string(tg)); !ok || got != tg {
			t.Errorf("ParseTag(%q) = %q, %v", tg, got, ok)
		}
	}
	for _, s := range []string{"", "delivered", "DELIVERED", " Delivered", "In Transit", "Delivered_Other"} {
		if got, ok := ParseTag(s); ok {
			t.Errorf("ParseTag(%q) = %q, want no tag", s, got)
		}
	}
}

func TestMovingAndAttention(t *testing.T) {
	moving := []Tag{InTransit, OutForDelivery, AttemptFail, AvailableForPickup, Delivered, Exception}
	attention := []Tag{AttemptFail, Exception}
	for _, tg := range append(Tags(), "", "Bogus") {
		if got, want := tg.Moving(), slices.Contains(moving, tg); got != want {
			t.Errorf("%q.Moving() = %v, want %v", tg, got, want)
		}
		if got, want := tg.Attention(), slices.Contains(attention, tg); got != want {
			t.Errorf("%q.Attention() = %v, want %v", tg, got, want)
		}
	}
}

func TestSubtags(t *testing.T) {
	list := Subtags()
	if n := len(list); n < 30 || n > 40 {
		t.Errorf("%d subtags; the list is meant to stay short (30 to 40)", n)
	}
	seen := map[Subtag]bool{}
	last := -1
	for _, info := range list {
		if seen[info.Subtag] {
			t.Errorf("%s listed twice", info.Subtag)
		}
		seen[info.Subtag] = true
		if got := info.Subtag.Tag(); got != info.Tag || !strings.HasPrefix(string(info.Subtag), string(info.Tag)+"_") {
			t.Errorf("%s: Tag() = %q, listed under %q", info.Subtag, got, info.Tag)
		}
		i := slices.Index(Tags(), info.Tag)
		if i < last {
			t.Errorf("%s is out of Tags() order", info.Subtag)
		}
		last = i
		if info.Description == "" || !strings.HasSuffix(info.Description, ".") {
			t.Errorf("%s: description %q should be a sentence", info.Subtag, info.Description)
		}
		if got, ok := ParseSubtag(string(info.Subtag)); !ok || got != info.Subtag {
			t.Errorf("ParseSubtag(%q) = %q, %v", info.Subtag, got, ok)
		}
	}
	for _, tg := range Tags() {
		d := Default(tg)
		if !seen[d] || d.Tag() != tg {
			t.Errorf("Default(%s) = %q, not a subtag of %s in the list", tg, d, tg)
		}
	}
	required := []Subtag{"Exception_Returning", "Exception_Returned", "Exception_Customs", "Exception_Damaged",
		"Exception_Lost", "Exception_Delayed", "Exception_AddressIssue", "Exception_Refused", "Exception_Cancelled",
		"Exception_Held", "AttemptFail_NoRecipient", "AttemptFail_BusinessClosed", "AttemptFail_AddressIssue",
		"InTransit_PickedUp", "InTransit_CustomsClearance", "InTransit_Departed", "InTransit_Arrived",
		"InTransit_Unknown", "InfoReceived_Unknown", "Delivered_Signed", "Delivered_PickedUpByRecipient",
		"Delivered_LeftAtDoor", "AvailableForPickup_Locker", "AvailableForPickup_PickupPoint"}
	for _, s := range required {
		if !seen[s] {
			t.Errorf("%s is missing", s)
		}
	}
}

func TestParseSubtagAndTag(t *testing.T) {
	for _, s := range []string{"", "Delivered", "delivered_other", "Delivered_Nowhere", "Bogus_Other", "_Other"} {
		if got, ok := ParseSubtag(s); ok {
			t.Errorf("ParseSubtag(%q) = %q, want no subtag", s, got)
		}
	}
	for s, want := range map[Subtag]Tag{
		"Exception_Returning": Exception, "Delivered_Nowhere": Delivered, "Bogus_Other": "", "Delivered": "", "": "",
	} {
		if got := s.Tag(); got != want {
			t.Errorf("Subtag(%q).Tag() = %q, want %q", s, got, want)
		}
	}
	for _, tg := range []Tag{"", "Bogus", "delivered"} {
		if got := Default(tg); got != "" {
			t.Errorf("Default(%q) = %q, want \"\"", tg, got)
		}
	}
}
