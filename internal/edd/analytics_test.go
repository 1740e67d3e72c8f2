package edd_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

func delivered(events ...tracking.Event) tracking.Resource {
	return tracking.Resource{Shipment: tracking.Shipment{TrackingNumber: "1Z0001", Carrier: carrier.UPS, Tag: tag.Delivered,
		CustomAttributes: map[string]any{edd.AttrOriginCountry: "US", edd.AttrDestinationCountry: "DE"}, Service: "Express"}, Details: events}
}

func TestOutcomeOfADeliveredParcel(t *testing.T) {
	mon := time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC) // ISO week 38
	r := delivered(
		tracking.Event{Tag: tag.Delivered, At: mon.AddDate(0, 0, 3)},
		tracking.Event{Tag: tag.AttemptFail, At: mon.AddDate(0, 0, 2)},
		tracking.Event{Tag: tag.InTransit, At: mon},
		tracking.Event{Tag: tag.InfoReceived, At: mon.AddDate(0, 0, -2)},
		tracking.Event{Tag: tag.Delivered, At: mon.AddDate(0, 0, 9)}, // a redelivery: the first counts
	)
	w := edd.Watch{FirstLikely: mon.AddDate(0, 0, 3).Add(5 * time.Hour), LateAt: mon.AddDate(0, 0, 2), Stalls: 1}
	o, ok := edd.OutcomeOf(r, w)
	if !ok {
		t.Fatal("not delivered")
	}
	f := o.Figures
	if o.Week != "2026-W38" || f.Delivered != 1 || f.Estimated != 1 || f.OnTimeLikely != 1 || f.OnTimeLatest != 0 ||
		f.FirstAttempt != 0 || f.Exceptions != 0 || f.Stalled != 1 || f.Transit[edd.Bucket(72*time.Hour)] != 1 {
		t.Fatalf("outcome %+v", o)
	}
	if !slices.Equal(o.Groups, []string{"L:ups:express:US>DE", "S:ups:express", "C:ups"}) {
		t.Fatalf("groups %v", o.Groups)
	}
	if _, ok := edd.OutcomeOf(delivered(tracking.Event{Tag: tag.InTransit, At: mon}), w); ok {
		t.Fatal("an undelivered parcel has an outcome")
	}
	// Without an estimate, no on-time figures.
	if o, _ := edd.OutcomeOf(r, edd.Watch{}); o.Figures.Estimated != 0 || o.Figures.OnTimeLikely != 0 || o.Figures.Stalled != 0 {
		t.Fatalf("without a watch: %+v", o.Figures)
	}
}

func TestRowsGroupAndRate(t *testing.T) {
	one := func(h int, onTime bool) edd.Figures {
		f := edd.Figures{Delivered: 1, Estimated: 1, FirstAttempt: 1}
		if onTime {
			f.OnTimeLikely, f.OnTimeLatest = 1, 1
		}
		f.Transit[edd.Bucket(time.Duration(h)*time.Hour)]++
		return f
	}
	sum := func(fs ...edd.Figures) edd.Figures {
		var s edd.Figures
		for _, f := range fs {
			s.Merge(f)
		}
		return s
	}
	figs := map[string]map[string]edd.Figures{
		"2026-W38": {"C:ups": sum(one(24, true), one(48, false)), "S:ups:express": sum(one(24, true), one(48, false)), "C:dhl": one(96, true)},
		"2026-W39": {"C:ups": sum(one(24, true), one(24, true))},
	}
	rows := edd.Rows(figs, edd.ByCarrier)
	if len(rows) != 2 || rows[0].Group != "dhl" || rows[1].Group != "ups" || rows[1].Delivered != 4 || *rows[1].OnTimeLikely != 0.75 ||
		*rows[1].FirstAttempt != 1 || *rows[1].Exceptions != 0 {
		t.Fatalf("by carrier %+v", rows)
	}
	if r := rows[1]; r.TransitP50 < 0.9 || r.TransitP50 > 1.1 || r.TransitP90 < r.TransitP50 || r.TransitP90 > 2.1 {
		t.Fatalf("ups transit p50 %v p90 %v, want about 1 and at most 2 days", r.TransitP50, r.TransitP90)
	}
	if weeks := edd.Rows(figs, edd.ByWeek); len(weeks) != 2 || weeks[0].Group != "2026-W38" || weeks[0].Delivered != 3 || weeks[1].Delivered != 2 {
		t.Fatalf("by week %+v", weeks)
	}
	if svc := edd.Rows(figs, edd.ByService); len(svc) != 1 || svc[0].Group != "ups:express" {
		t.Fatalf("by service %+v", svc)
	}
	if lanes := edd.Rows(figs, edd.ByLane); len(lanes) != 0 {
		t.Fatalf("by lane %+v", lanes)
	}
	if r := edd.Rows(map[string]map[string]edd.Figures{"2026-W38": {"C:x": {Delivered: 1}}}, edd.ByCarrier); r[0].OnTimeLikely != nil {
		t.Fatalf("an on-time rate without estimates: %v", *r[0].OnTimeLikely)
	}
}

func TestWeeksBetween(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	got, err := edd.WeeksBetween(day("2026-12-27"), day("2027-01-05"))
	if err != nil || !slices.Equal(got, []string{"2026-W52", "2026-W53", "2027-W01"}) {
		t.Fatalf("weeks %v %v", got, err)
	}
	for _, bad := range [][2]string{{"2026-02-02", "2026-02-01"}, {"2025-01-01", "2026-01-03"}} {
		if _, err := edd.WeeksBetween(day(bad[0]), day(bad[1])); !errors.Is(err, edd.ErrBadRange) {
			t.Errorf("%v: %v, want ErrBadRange", bad, err)
		}
	}
}
