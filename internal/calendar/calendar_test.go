package calendar

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
)

func TestEveryRegistryCountryHasACalendar(t *testing.T) {
	for _, info := range carrier.Registry() {
		for _, cc := range info.Countries {
			if !HasHolidays(cc) && !slices.Contains(WeekendOnly, cc) {
				t.Errorf("%s (%s) has no holiday table and is not listed as weekend-only", cc, info.Code)
			}
		}
	}
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
}

func TestHolidaysAndWeekends(t *testing.T) {
	tests := []struct {
		country string
		day     time.Time
		want    bool
	}{
		{"GB", date(2026, 12, 25), false},                    // Christmas
		{"gb", date(2026, 12, 28), false},                    // Boxing Day observed (26th is a Saturday)
		{"PL", date(2026, 11, 11), false},                    // Independence Day
		{"US", date(2026, 7, 3), false},                      // Independence Day observed on Friday
		{"US", date(2026, 11, 26), false},                    // Thanksgiving
		{"DE", date(2026, 12, 24), true},                     // Christmas Eve is a working day
		{"JP", date(2026, 5, 5), false},                      // Children's Day
		{"CN", date(2026, 12, 25), true},                     // weekends only
		{"CN", date(2026, 12, 26), false},                    // Saturday
		{"ZZ", date(2026, 12, 27), false},                    // unknown country: Sunday
		{"FR", date(2026, 12, 7), true},                      // a Monday
		{"AU", date(2026, 1, 26), false},                     // Australia Day
		{"CA", date(2026, 7, 1), false},                      // Canada Day
		{"JP", date(2026, 1, 1).Add(-11 * time.Hour), false}, // 1 Jan in Tokyo
	}
	for _, tt := range tests {
		if got := For(tt.country).IsBusinessDay(tt.day); got != tt.want {
			t.Errorf("%s %s: business day %v, want %v", tt.country, tt.day, got, tt.want)
		}
	}
}

func TestBusinessTimeSkipsWeekendAndHoliday(t *testing.T) {
	gb := For("GB")
	// Thursday 24 Dec 2026 noon to Tuesday 29 Dec noon: 12h of the 24th,
	// 25th/28th holidays, 26th/27th weekend, 12h of the 29th.
	from, to := date(2026, 12, 24), date(2026, 12, 29)
	if got := gb.BusinessTime(from, to); got != 24*time.Hour {
		t.Fatalf("BusinessTime = %v, want 24h", got)
	}
	if got := gb.BusinessTime(to, from); got != -24*time.Hour {
		t.Fatalf("reversed BusinessTime = %v, want -24h", got)
	}
	if got := gb.AddBusinessTime(from, 13*time.Hour); !got.Equal(date(2026, 12, 29).Add(-11 * time.Hour)) {
		t.Fatalf("AddBusinessTime = %v", got)
	}
	if got := gb.AddBusinessDays(from, 1); !got.Equal(date(2026, 12, 29)) {
		t.Fatalf("AddBusinessDays(+1) = %v", got)
	}
	if got := gb.AddBusinessDays(date(2026, 12, 29), -1); !got.Equal(from) {
		t.Fatalf("AddBusinessDays(-1) = %v", got)
	}
	if got := gb.BusinessDays(from, to); got != 1 {
		t.Fatalf("BusinessDays = %v", got)
	}
}

var propertyCountries = []string{"GB", "US", "PL", "DE", "JP", "AU", "CN"}

// randomInstant is within a few years around now, with minutes.
func randomInstant(r *rand.Rand) time.Time {
	return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(4*365*24*60)) * time.Minute)
}

func TestProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 1))
	for i := 0; i < 3000; i++ {
		c := For(propertyCountries[r.IntN(len(propertyCountries))])
		a := randomInstant(r)
		b := a.Add(time.Duration(r.IntN(30*24*60)) * time.Minute)
		bt := c.BusinessTime(a, b)
		if bt < 0 || bt > b.Sub(a) {
			t.Fatalf("%s: BusinessTime(%v, %v) = %v, outside [0, wall clock]", c.Country, a, b, bt)
		}
		// Monotone: a later end never has less business time.
		later := b.Add(time.Duration(r.IntN(5*24*60)) * time.Minute)
		if c.BusinessTime(a, later) < bt {
			t.Fatalf("%s: BusinessTime not monotone", c.Country)
		}
		// AddBusinessTime inverts BusinessTime and lands on a business day.
		d := time.Duration(1+r.IntN(10*24*60)) * time.Minute
		u := c.AddBusinessTime(a, d)
		if got := c.BusinessTime(a, u); got != d {
			t.Fatalf("%s: BusinessTime(a, AddBusinessTime(a, %v)) = %v", c.Country, d, got)
		}
		if !c.IsBusinessDay(u.Add(-time.Nanosecond)) {
			t.Fatalf("%s: AddBusinessTime(%v, %v) = %v ends on a day off", c.Country, a, d, u)
		}
		n := 1 + r.IntN(15)
		f := c.AddBusinessDays(a, n)
		if !c.IsBusinessDay(f) || !f.After(a) {
			t.Fatalf("%s: AddBusinessDays(%v, %d) = %v", c.Country, a, n, f)
		}
		if back := c.AddBusinessDays(a, -n); !c.IsBusinessDay(back) || !back.Before(a) {
			t.Fatalf("%s: AddBusinessDays(%v, -%d) = %v", c.Country, a, n, back)
		}
		// Calendars skip holidays: a day off holds no business time.
		day := c.startOfDay(a)
		if !c.IsBusinessDay(day) && c.BusinessTime(day, day.AddDate(0, 0, 1)) != 0 {
			t.Fatalf("%s: day off %v has business time", c.Country, day)
		}
	}
}

func TestHostileSpansAreBounded(t *testing.T) {
	c := For("GB")
	far := date(2026, 1, 1).AddDate(100, 0, 0)
	if got := c.BusinessTime(date(2026, 1, 1), far); got <= 0 || got > far.Sub(date(2026, 1, 1)) {
		t.Fatalf("BusinessTime over a century = %v", got)
	}
	if got := c.AddBusinessTime(date(2026, 1, 1), 1<<62); got.Before(date(2026, 1, 1)) {
		t.Fatalf("AddBusinessTime huge = %v", got)
	}
}
