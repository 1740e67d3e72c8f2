package job

import (
	"fmt"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/input"
)

// classify validates every number and marks repeats, leaving the outcome
// of the numbers still to be decided empty. A number is checked against
// its carrier hint when one is given, else its carrier is detected.
func classify(items []Item) []Result {
	results := make([]Result, len(items))
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		r := Result{TrackingNumber: it.TrackingNumber, number: carrier.Normalize(it.TrackingNumber)}
		r.Carrier, r.Message = identify(r.number, it.Carrier)
		switch {
		case r.Message != "":
			r.Outcome = Invalid
		case seen[r.number]:
			r.Outcome = Duplicate
			r.Message = "the same number appears earlier in this job"
		default:
			seen[r.number] = true
		}
		results[i] = r
	}
	return results
}

// identify returns the number's carrier, or why the number is invalid. A
// named carrier must accept the number by one of its formats; otherwise
// the first detected candidate is the carrier.
func identify(number, hint string) (string, string) {
	if hint != "" {
		c, ok := carrier.Parse(hint)
		if !ok {
			return "", fmt.Sprintf("unknown carrier %q: GET /v1/carriers lists the carriers and their names, or leave carrier out", hint)
		}
		if _, ok := carrier.Accept(c, number); !ok {
			return string(c), fmt.Sprintf("not a valid %s tracking number: it fits none of its formats (%s; GET /v1/carriers describes them)", carrierName(c), formatNames(c))
		}
		return string(c), ""
	}
	if c, ok := carrier.Detect(number); ok {
		return string(c), ""
	}
	return "", "not a valid tracking number of a known carrier (format or check digit): check for typos, or name the carrier"
}

// carrierName is carrier c's display name for an error message.
func carrierName(c carrier.Carrier) string {
	if info, ok := carrier.Lookup(c); ok {
		return info.Name
	}
	return string(c)
}

// formatNames lists carrier c's format names for an error message.
func formatNames(c carrier.Carrier) string {
	info, _ := carrier.Lookup(c)
	names := make([]string, len(info.Formats))
	for i, f := range info.Formats {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// pending lists the normalised numbers whose outcome is still open.
func pending(results []Result) []string {
	var out []string
	for _, r := range results {
		if r.Outcome == "" {
			out = append(out, r.number)
		}
	}
	return out
}

// decide settles the open outcomes that the project's associations, as
// read at the job's decision time at, settle: a live association makes
// REMOVE a removal, and ADD a renewal unless this very job added it (an
// earlier attempt of it); no live association makes REMOVE
// NOT_ASSOCIATED. ADD of a number without a live association stays open:
// only a conditional write can tell whether this job adds it or a
// concurrent one did (see claimed).
func decide(j Job, results []Result, existing map[string]Association, at time.Time) {
	for i := range results {
		r := &results[i]
		if r.Outcome != "" {
			continue
		}
		a, ok := existing[r.number]
		live := ok && !a.Expired(at)
		switch {
		case j.Action == Add && live && a.AddedBy == j.ID:
			r.Outcome = Added
		case j.Action == Add && live:
			r.Outcome = Renewed
		case j.Action == Add:
		case live:
			r.Outcome = Removed
		default:
			r.Outcome = NotAssociated
			r.Message = "the number was not associated with the project"
		}
	}
}

// newAssociation is the association job j creates for r at its decision
// time at.
func newAssociation(j Job, r Result, at time.Time) Association {
	return Association{
		ProjectID: j.ProjectID, TrackingNumber: carrier.Normalize(r.TrackingNumber), Carrier: r.Carrier,
		AddedAt: at, ExpiresAt: at.Add(AssociationTTL), JobID: j.ID, AddedBy: j.ID,
	}
}

// claimed settles an ADD that decide left open, from the association
// stored after job j's conditional write: j added it only if it is the
// one that created it.
func claimed(j Job, stored Association) Outcome {
	if stored.AddedBy == j.ID {
		return Added
	}
	return Renewed
}

// changes turns decided results into the association writes still to
// make: renewals and removals. ADDED associations were written when they
// were decided. Times come from the job's decision time, never from the
// clock, so a retry that reuses saved results makes exactly the same
// changes.
func changes(j Job, results []Result, at time.Time) (renew []Association, remove []string) {
	for _, r := range results {
		switch r.Outcome {
		case Renewed:
			a := newAssociation(j, r, at)
			a.AddedBy = ""
			renew = append(renew, a)
		case Removed:
			remove = append(remove, carrier.Normalize(r.TrackingNumber))
		}
	}
	return renew, remove
}

// checkSubmission refuses a submission whole when its shape is wrong.
func checkSubmission(s Submission) error {
	switch s.Action {
	case Add, Remove:
	default:
		return &input.Error{Code: "INVALID_ACTION", Field: "action", Message: "must be ADD or REMOVE", Labelled: true}
	}
	switch n := len(s.Items); {
	case n == 0:
		return &input.Error{Code: "NO_TRACKING_NUMBERS", Field: "trackingNumbers", Message: "send 1 to 1,000 tracking numbers", Labelled: true}
	case n > MaxNumbers:
		return &input.Error{Code: "TOO_MANY_TRACKING_NUMBERS", Field: "trackingNumbers",
			Message: fmt.Sprintf("a job takes at most 1,000 tracking numbers; this one has %d: split it into several jobs", n), Labelled: true}
	}
	for i, it := range s.Items {
		if strings.TrimSpace(it.TrackingNumber) == "" || len(it.TrackingNumber) > maxNumberInput {
			return &input.Error{Code: "INVALID_TRACKING_NUMBER", Field: fmt.Sprintf("trackingNumbers[%d].trackingNumber", i), Message: "must be 1 to 64 characters", Labelled: true}
		}
		if len(it.Carrier) > maxNumberInput {
			return &input.Error{Code: "INVALID_CARRIER", Field: fmt.Sprintf("trackingNumbers[%d].carrier", i), Message: "too long", Labelled: true}
		}
	}
	if len(s.ExternalReference) > maxExternalReference {
		return &input.Error{Code: "INVALID_EXTERNAL_REFERENCE", Field: "externalReference", Message: "at most 128 characters", Labelled: true}
	}
	return nil
}
