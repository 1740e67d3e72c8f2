package tracker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/request"
)

// searchBody is seed 003's tracker request.
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

const maxValues = 100

// Parse reads a tracker request; now gives "today", the default range.
// It returns the search array as sent, for the response to echo.
func Parse(body []byte, now time.Time) (Criteria, json.RawMessage, error) {
	var b searchBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return Criteria{}, nil, fieldErr("(body)", "%s", describeJSONError(body, err))
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
		if by == "recievedDate" { // the seed's spelling
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
		case "id":
			c.IDs = values
		case "externalReference":
			c.Refs = values
		case "messageType":
			c.Types = values
		case "messageStatus":
			for _, v := range values {
				st, ok := parseStatus(v)
				if !ok {
					return Criteria{}, nil, fieldErr(field+".value", "%q is not a message status: use Queued, Processing, Cancelled, Failed, Invalid or Complete", v)
				}
				c.Statuses = append(c.Statuses, st)
			}
		case "receivedDate":
			if c.From, c.To, err = dateRange(values); err != nil {
				return Criteria{}, nil, fieldErr(field+".value", "%s", err)
			}
			dated = true
		default:
			return Criteria{}, nil, fieldErr(field+".by", "%q is not a criterion: use messageType, messageStatus, receivedDate, id or externalReference", s.By)
		}
	}
	if !dated && len(c.IDs) == 0 && len(c.Refs) == 0 {
		day := now.UTC().Truncate(24 * time.Hour)
		c.From, c.To = day, day.Add(24*time.Hour)
	}
	if b.Paging != nil {
		var err error
		if c.Page, err = intValue(b.Paging.Number, 1); err != nil || c.Page < 1 {
			return Criteria{}, nil, fieldErr("paging.number", "must be a whole number from 1 (a number or a numeric string)")
		}
		if c.Size, err = intValue(b.Paging.Size, MaxPageSize); err != nil || c.Size < 1 || c.Size > MaxPageSize {
			return Criteria{}, nil, fieldErr("paging.size", "must be a whole number from 1 to %d (a number or a numeric string)", MaxPageSize)
		}
	}
	for i, s := range b.Sorts {
		by := s.By
		if by == "recievedDate" {
			by = "receivedDate"
		}
		switch by {
		case "receivedDate", "processedDate", "batchReference":
		default:
			return Criteria{}, nil, fieldErr(fmt.Sprintf("sorts[%d].by", i), "%q cannot be sorted on: use receivedDate, processedDate or batchReference", s.By)
		}
		var desc bool
		switch strings.ToLower(s.Order) {
		case "asc":
		case "desc", "":
			desc = true
		default:
			return Criteria{}, nil, fieldErr(fmt.Sprintf("sorts[%d].order", i), "must be asc or desc, not %q", s.Order)
		}
		c.Sorts = append(c.Sorts, Sort{By: by, Desc: desc})
	}
	if len(c.Sorts) == 0 {
		c.Sorts = []Sort{{By: "receivedDate", Desc: true}}
	}
	return c, echo.Search, nil
}

func describeJSONError(body []byte, err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) {
		line := 1 + bytes.Count(body[:min(int(syntax.Offset), len(body))], []byte("\n"))
		return fmt.Sprintf("the body is not valid JSON: %s (line %d); note that JSON allows no comma before ] or }", syntax.Error(), line)
	}
	if errors.As(err, &typ) {
		return fmt.Sprintf("%s must be of type %s", typ.Field, typ.Type)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// stringValues reads a value given as a string or an array of strings.
func stringValues(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("must be a string or an array of strings")
	}
	if len(many) == 0 || len(many) > maxValues {
		return nil, fmt.Errorf("must hold 1 to %d values", maxValues)
	}
	return many, nil
}

func parseStatus(s string) (request.MessageStatus, bool) {
	for _, st := range AllStatuses {
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

func parseWhen(s string) (time.Time, bool, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, false, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date (2018-10-01) or an RFC 3339 date-time (2018-10-01T00:00:00+00:00)", s)
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
