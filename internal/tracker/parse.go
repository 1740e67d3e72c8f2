package tracker

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/request"
)

// searchBody is the message gateway's tracker request.
type searchBody struct {
	Search []struct {
		By    string          `json:"by"`
		Value json.RawMessage `json:"value"`
	} `json:"search"`
	Paging *struct {
		Number json.RawMessage `json:"number"`
		Size   json.RawMessage `json:"size"`
	} `json:"paging"`
	Sorts []struct {
		By    string `json:"by"`
		Order string `json:"order"`
	} `json:"sorts"`
}

// Limits of one search request.
const (
	maxValues     = 100
	maxCriteria   = 5 // messageType, messageStatus, receivedDate, id, externalReference
	maxSorts      = 3 // receivedDate, processedDate, batchReference
	maxTypeLength = 64
)

// The receivedDate range a search may name. Requests are kept 90 days, so
// any range within it is answered; one outside it is a mistake, and dates
// past year 9999 cannot even be written as RFC 3339.
var (
	minDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) // exclusive
)

// supportedDates states the range in errors.
const supportedDates = "dates from 2000-01-01 to 2999-12-31 (UTC)"

// inputErr labels input's refusal the way every search error reads: "field: message".
func inputErr(err error) error {
	var bad *input.Error
	if errors.As(err, &bad) {
		return &input.Error{Field: bad.Field, Message: bad.Message, Labelled: true}
	}
	return err
}

// Parse reads a tracker request; now gives "today", the default range.
// It returns the search array as sent, for the response to echo.
func Parse(body []byte, now time.Time) (Criteria, json.RawMessage, error) {
	var b searchBody
	if err := input.UnmarshalObject(body, &b); err != nil {
		return Criteria{}, nil, inputErr(err)
	}
	if err := input.CheckJSONText(body, false); err != nil {
		return Criteria{}, nil, inputErr(err)
	}
	switch {
	case len(b.Search) > maxCriteria:
		return Criteria{}, nil, fieldErr("search", "holds %d criteria; there are %d kinds, each given at most once", len(b.Search), maxCriteria)
	case len(b.Sorts) > maxSorts:
		return Criteria{}, nil, fieldErr("sorts", "holds %d entries; sort on at most %d fields (receivedDate, processedDate, batchReference), each once", len(b.Sorts), maxSorts)
	}
	var echo struct {
		Search json.RawMessage `json:"search"`
	}
	_ = json.Unmarshal(body, &echo)
	if len(echo.Search) == 0 || string(echo.Search) == "null" {
		echo.Search = json.RawMessage("[]")
	}
	c := Criteria{Page: 1, Size: MaxPageSize}
	seen := map[string]bool{}
	dated := false
	for i, s := range b.Search {
		field := fmt.Sprintf("search[%d]", i)
		by := s.By
		if by == "recievedDate" { // the message gateway's spelling
			by = "receivedDate"
		}
		if seen[by] {
			return Criteria{}, nil, fieldErr(field+".by", "%s appears twice; give its values as one array (they are ORed)", by)
		}
		seen[by] = true
		values, err := stringValues(s.Value)
		if err != nil {
			return Criteria{}, nil, fieldErr(field+".value", "%s", err)
		}
		switch by {
		case "id", "externalReference":
			for _, v := range values {
				if err := input.CheckID(field+".value", v); err != nil {
					return Criteria{}, nil, inputErr(err)
				}
			}
			if by == "id" {
				c.IDs = values
			} else {
				c.Refs = values
			}
		case "messageType":
			for _, v := range values {
				if len(v) > maxTypeLength {
					return Criteria{}, nil, fieldErr(field+".value", "a messageType is at most %d bytes", maxTypeLength)
				}
			}
			c.Types = values
		case "messageStatus":
			for _, v := range values {
				st, ok := parseStatus(v)
				if !ok {
					return Criteria{}, nil, fieldErr(field+".value", "%.64q is not a message status: use Queued, Processing, Cancelled, Failed, Invalid or Complete", v)
				}
				c.Statuses = append(c.Statuses, st)
			}
		case "receivedDate":
			if c.From, c.To, err = dateRange(values); err == nil {
				err = inSupportedRange(c.From, c.To)
			}
			if err != nil {
				return Criteria{}, nil, fieldErr(field+".value", "%s", err)
			}
			dated = true
		default:
			return Criteria{}, nil, fieldErr(field+".by", "%.64q is not a criterion: use messageType, messageStatus, receivedDate, id or externalReference", s.By)
		}
	}
	if !dated && len(c.IDs) == 0 && len(c.Refs) == 0 {
		day := now.UTC().Truncate(24 * time.Hour)
		c.From, c.To = day, day.Add(24*time.Hour)
	}
	if b.Paging != nil {
		var err error
		if c.Page, err = intValue(b.Paging.Number, 1); err != nil || c.Page < 1 || c.Page > MaxCandidates {
			return Criteria{}, nil, fieldErr("paging.number", "must be a whole number from 1 to %d (a number or a numeric string)", MaxCandidates)
		}
		if c.Size, err = intValue(b.Paging.Size, MaxPageSize); err != nil || c.Size < 1 || c.Size > MaxPageSize {
			return Criteria{}, nil, fieldErr("paging.size", "must be a whole number from 1 to %d (a number or a numeric string)", MaxPageSize)
		}
	}
	sorted := map[string]bool{}
	for i, s := range b.Sorts {
		by := s.By
		if by == "recievedDate" {
			by = "receivedDate"
		}
		switch by {
		case "receivedDate", "processedDate", "batchReference":
		default:
			return Criteria{}, nil, fieldErr(fmt.Sprintf("sorts[%d].by", i), "%.64q cannot be sorted on: use receivedDate, processedDate or batchReference", s.By)
		}
		if sorted[by] {
			return Criteria{}, nil, fieldErr(fmt.Sprintf("sorts[%d].by", i), "%s appears twice; sort on each field once", by)
		}
		sorted[by] = true
		var desc bool
		switch strings.ToLower(s.Order) {
		case "asc":
		case "desc", "":
			desc = true
		default:
			return Criteria{}, nil, fieldErr(fmt.Sprintf("sorts[%d].order", i), "must be asc or desc, not %.16q", s.Order)
		}
		c.Sorts = append(c.Sorts, Sort{By: by, Desc: desc})
	}
	if len(c.Sorts) == 0 {
		c.Sorts = []Sort{{By: "receivedDate", Desc: true}}
	}
	return c, echo.Search, nil
}

// stringValues reads a value given as a non-empty string or an array of
// them; null is no value at all.
func stringValues(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fmt.Errorf("is required: a string or an array of strings")
	}
	var many []string
	if raw[0] == '"' {
		many = make([]string, 1)
		if err := json.Unmarshal(raw, &many[0]); err != nil {
			return nil, fmt.Errorf("must be a string or an array of strings")
		}
	} else if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("must be a string or an array of strings")
	}
	if len(many) == 0 || len(many) > maxValues {
		return nil, fmt.Errorf("must hold 1 to %d values", maxValues)
	}
	for _, v := range many {
		if strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("must not hold empty strings")
		}
	}
	return many, nil
}

func parseStatus(s string) (request.MessageStatus, bool) {
	for _, st := range request.Statuses {
		if strings.EqualFold(s, string(st)) {
			return st, true
		}
	}
	return "", false
}

// dateRange reads receivedDate: one day, or a [from, to] pair, inclusive.
// A date stands for its whole day in UTC; a date-time for its instant, and
// alone for the whole day in its own offset.
func dateRange(values []string) (time.Time, time.Time, error) {
	switch len(values) {
	case 1:
		t, isDate, err := parseWhen(values[0])
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		if !isDate {
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
		}
		return t, t.AddDate(0, 0, 1), nil
	case 2:
		from, _, err := parseWhen(values[0])
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		to, toIsDate, err := parseWhen(values[1])
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		if toIsDate {
			to = to.AddDate(0, 0, 1)
		} else {
			to = to.Add(time.Nanosecond)
		}
		if !from.Before(to) {
			return time.Time{}, time.Time{}, fmt.Errorf("the range starts (%s) after it ends (%s)", values[0], values[1])
		}
		return from, to, nil
	}
	return time.Time{}, time.Time{}, fmt.Errorf("give one day or a [from, to] pair, not %d values", len(values))
}

// inSupportedRange refuses a range reaching outside minDate..maxDate.
func inSupportedRange(from, to time.Time) error {
	if from.Before(minDate) || to.After(maxDate) {
		return fmt.Errorf("the range reaches outside what is supported: give %s", supportedDates)
	}
	return nil
}

func parseWhen(s string) (time.Time, bool, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, false, nil
	}
	return time.Time{}, false, fmt.Errorf("%.64q is not a date (2018-10-01) or an RFC 3339 date-time (2018-10-01T00:00:00+00:00); give %s", s, supportedDates)
}

// intValue reads a number given as a JSON number or a numeric string.
func intValue(raw json.RawMessage, def int) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(s))
}
