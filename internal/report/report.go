// Package report is what the outbox's reports show: a shipment tracking
// report (the shipment, its status timeline newest first, the days spent
// in each status) and a record sheet for records of other entities.
// Package report/pdf lays them out; only the report worker links it (the
// PDF library's package inits are no other function's cold start).
// Nothing here reads a store.
package report

import "time"

// Field is one labelled value of a record.
type Field struct {
	Label string
	Value string
}

// Event is one status change of a shipment.
type Event struct {
	Status string
	Agency string
	At     time.Time
}

// Shipment is what the tracking report shows.
type Shipment struct {
	Title       string // the report definition's name
	Code        string // the shipment record's code
	Fields      []Field
	GeneratedAt time.Time
	// Events are the status changes, newest first.
	Events []Event
	// Final says the newest status ends the shipment's flow (delivered):
	// no time accrues in it.
	Final bool
}

// Sheet is a record of any entity, as the record sheet shows it.
type Sheet struct {
	Title       string
	Entity      string
	Code        string
	Fields      []Field
	GeneratedAt time.Time
}

// Document is a rendered report.
type Document struct {
	PDF   []byte
	Pages int
}

// StatusDays is the time a shipment spent in one status.
type StatusDays struct {
	Status string
	Days   float64
	// Current: the shipment is in this status now; its time is so far.
	Current bool
}

// DaysPerStatus sums, for each status, the time from each change to that
// status until the next change, in the order the statuses were first
// reached. The newest status counts until now, unless final: a final
// status (delivered) is left out. events are newest first.
func DaysPerStatus(events []Event, now time.Time, final bool) []StatusDays {
	var out []StatusDays
	index := map[string]int{}
	for i := len(events) - 1; i >= 0; i-- {
		ev := events[i]
		until := now
		if i > 0 {
			until = events[i-1].At
		} else if final {
			break
		}
		d := until.Sub(ev.At)
		if d < 0 {
			d = 0
		}
		j, ok := index[ev.Status]
		if !ok {
			j = len(out)
			index[ev.Status] = j
			out = append(out, StatusDays{Status: ev.Status})
		}
		out[j].Days += d.Hours() / 24
		out[j].Current = i == 0
	}
	return out
}
