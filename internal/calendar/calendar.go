// Package calendar tells business days per country: weekends and the
// public holidays of the countries the carrier registry's carriers serve.
// Transit times are measured in business time (24 hours for each business
// day, none for the others), so that a parcel that spends a weekend or a
// holiday in a depot is not counted as slow, and an estimate made on a
// Friday lands on a working day.
//
// A day is a civil date at the country's standard UTC offset: a fixed
// offset, not the zone's rules, so no time zone database is needed; a
// summer hour moves a day's boundary by one hour, which is far below what
// an estimate in days can tell.
package calendar

import (
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/us"
)

// Day is the length of one business day in business time.
const Day = 24 * time.Hour

// country is one country's holidays and standard offset (hours east of
// UTC). Countries with regional holidays only (Australia) take their most
// populous region's; countries with national and regional ones take the
// national ones.
type country struct {
	holidays []*cal.Holiday
	offset   int
}

var countries = map[string]country{
	"AT": {at.Holidays, 1}, "AU": {au.HolidaysNSW, 10}, "BE": {be.Holidays, 1},
	"CA": {ca.Holidays, -5}, "CH": {ch.Holidays, 1}, "DE": {de.Holidays, 1},
	"DK": {dk.Holidays, 1}, "ES": {es.Holidays, 1}, "FR": {fr.Holidays, 1},
	"GB": {gb.Holidays, 0}, "IT": {it.Holidays, 1}, "JP": {jp.Holidays, 9},
	"NL": {nl.Holidays, 1}, "PL": {pl.Holidays, 1}, "US": {us.Holidays, -5},
}

// WeekendOnly lists the registry's countries without a holiday table
// here: their calendars skip weekends only.
var WeekendOnly = []string{"CN"}

// Calendar is one country's business days. The zero Calendar is UTC
// with weekends only.
type Calendar struct {
	Country string
	bc      *cal.BusinessCalendar
	loc     *time.Location
}

// calendars are built on the first day counted, not at package
// initialisation: every function links this package, and only those that
// estimate a delivery or check a stall count days.
var calendars = sync.OnceValue(func() map[string]Calendar {
	out := map[string]Calendar{}
	for code, c := range countries {
		bc := cal.NewBusinessCalendar()
		bc.AddHoliday(c.holidays...)
		bc.Cacheable = true
		// Holidays are matched on the date of the time passed in, in
		// whatever location it carries.
		bc.Locations = nil
		out[code] = Calendar{Country: code, bc: bc, loc: time.FixedZone(code, c.offset*3600)}
	}
	return out
})

// For returns the calendar of an ISO 3166 alpha-2 country code (any case);
// a country without a holiday table gets weekends only, in UTC.
func For(code string) Calendar {
	code = strings.ToUpper(code)
	if c, ok := calendars()[code]; ok {
		return c
	}
	return Calendar{Country: code}
}

// HasHolidays reports whether the country has a holiday table here.
func HasHolidays(code string) bool {
	_, ok := countries[strings.ToUpper(code)]
	return ok
}

// Location is the country's standard offset, where its days begin.
func (c Calendar) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// IsBusinessDay reports whether the day t falls on (in the country) is a
// working day: not a Saturday, a Sunday or a public holiday (as observed).
func (c Calendar) IsBusinessDay(t time.Time) bool {
	t = t.In(c.Location())
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	if c.bc == nil {
		return true
	}
	_, observed, _ := c.bc.IsHoliday(t)
	return !observed
}

// startOfDay is the first instant of t's day in the country.
func (c Calendar) startOfDay(t time.Time) time.Time {
	t = t.In(c.Location())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.Location())
}

// maxDays bounds the day-by-day walks: no parcel spends a decade in
// transit, and a bound keeps a hostile timestamp from spinning.
const maxDays = 3660

// BusinessTime is the part of [from, to) that falls on business days,
// negative when to is before from.
func (c Calendar) BusinessTime(from, to time.Time) time.Duration {
	if to.Before(from) {
		return -c.BusinessTime(to, from)
	}
	var total time.Duration
	day := c.startOfDay(from)
	for i := 0; i < maxDays && day.Before(to); i++ {
		next := day.AddDate(0, 0, 1)
		if c.IsBusinessDay(day) {
			total += earlier(next, to).Sub(later(day, from))
		}
		day = next
	}
	return total
}

// BusinessDays is BusinessTime in days, with fractions.
func (c Calendar) BusinessDays(from, to time.Time) float64 {
	return c.BusinessTime(from, to).Hours() / 24
}

// AddBusinessTime returns the earliest instant u not before t with
// BusinessTime(t, u) = d; d ≤ 0 returns t. An instant on a weekend plus
// any business time lands on a later business day.
func (c Calendar) AddBusinessTime(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	day := c.startOfDay(t)
	for i := 0; i < maxDays; i++ {
		next := day.AddDate(0, 0, 1)
		if c.IsBusinessDay(day) {
			from := later(day, t)
			left := next.Sub(from)
			if d <= left {
				return from.Add(d).In(t.Location())
			}
			d -= left
		}
		day = next
	}
	return day.In(t.Location())
}

// AddBusinessDays moves t by n business days (back when n < 0), keeping
// its time of day; the result is on a business day unless n is 0.
func (c Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	local := t.In(c.Location())
	for i := 0; n > 0 && i < maxDays; i++ {
		local = local.AddDate(0, 0, step)
		if c.IsBusinessDay(local) {
			n--
		}
	}
	return local.In(t.Location())
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
