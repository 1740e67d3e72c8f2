package data

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parcelgate/parcelgate/internal/input"
)

// A record's values, by field type (nil is null):
//
//	text, text(foreignkey)  string
//	integer                 int64
//	decimal                 Dec (canonical digits with a point)
//	boolean                 bool
//	datetime                time.Time (UTC)
//	binary                  []byte

// Dec is a decimal number written with a point, kept as text so that no
// digit is lost to floating point; at most MaxDecimalDigits digits.
type Dec string

// Limits of values.
const (
	// MaxCodeBytes bounds record codes and foreign keys (every id is at
	// most 200 bytes).
	MaxCodeBytes = 200
	// MaxDecimalDigits is DynamoDB's number precision.
	MaxDecimalDigits = 38
)

// DatetimeLayout is weavy's datetime format; a fraction of up to 7
// digits is written when the value has one.
const DatetimeLayout = "2006-01-02T15:04:05"

// StampLayout writes srvDateUTC: UTC, always 7 fractional digits.
const StampLayout = "2006-01-02T15:04:05.0000000"

// The shapes of a decimal and a datetime, compiled at first use: the
// datetime's bounded repetitions cost some 400 allocations to compile, and
// every function links this package, most never reading a record.
var (
	decimalPattern  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`) })
	datetimePattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?(Z|[+-][0-9]{2}:[0-9]{2})?$`)
	})
)

// ParseDatetime reads weavy's datetime: YYYY-MM-DDTHH:MM:SS in UTC,
// optionally with a fraction of up to 7 digits and a Z or an offset
// (converted to UTC). Years 0001 to 9999.
func ParseDatetime(s string) (time.Time, error) {
	if !datetimePattern().MatchString(s) {
		return time.Time{}, fmt.Errorf("must be a datetime YYYY-MM-DDTHH:MM:SS (UTC), like 2016-12-05T08:33:33")
	}
	layout := "2006-01-02T15:04:05.999999999"
	if i := strings.IndexAny(s[19:], "Z+-"); i >= 0 {
		layout += "Z07:00"
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("is not a valid datetime: %s", strings.TrimPrefix(err.Error(), "parsing time "))
	}
	t = t.UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("must be a datetime between years 0001 and 9999")
	}
	return t, nil
}

// FormatDatetime writes a datetime as weavy does, with a 7-digit
// fraction only when it has one.
func FormatDatetime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format(DatetimeLayout)
	}
	return t.Format(StampLayout)
}

// ParseDec checks a decimal's text.
func ParseDec(s string) (Dec, error) {
	if !decimalPattern().MatchString(s) {
		return "", fmt.Errorf("must be a decimal number with a point as separator, like 69.33")
	}
	digits := strings.TrimLeft(strings.Replace(strings.TrimPrefix(s, "-"), ".", "", 1), "0")
	if len(digits) > MaxDecimalDigits {
		return "", fmt.Errorf("has more than %d significant digits", MaxDecimalDigits)
	}
	// JSON numbers have no leading zeros: 007.50 is written 7.50.
	rest, neg := strings.CutPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(rest, ".")
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if hasFrac {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return Dec(out), nil
}

// Rat is the decimal's exact value.
func (d Dec) Rat() *big.Rat {
	r, _ := new(big.Rat).SetString(string(d))
	return r
}

// ParseValue reads a field's JSON value; JSON null is nil.
func (f *Field) ParseValue(raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return nil, nil
	}
	bad := func(format string, args ...any) error {
		return &input.Error{Field: f.Name, Message: fmt.Sprintf(format, args...)}
	}
	switch f.Type {
	case Text, ForeignKey:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, bad("must be a string")
		}
		if err := CheckText(s, f.maxLength(), f.Type != Text || f.Code); err != nil {
			return nil, bad("%s", err.Error())
		}
		return s, nil
	case Integer:
		if len(raw) == 0 || raw[0] == '"' {
			return nil, bad("must be an integer")
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return nil, bad("must be an integer from %d to %d", int64(math.MinInt64), int64(math.MaxInt64))
		}
		return n, nil
	case Decimal:
		// A number, or its text: ERPs often send decimals as strings to
		// keep every digit.
		text := string(raw)
		if len(raw) > 0 && raw[0] == '"' {
			if json.Unmarshal(raw, &text) != nil {
				return nil, bad("must be a decimal number")
			}
		}
		d, err := ParseDec(text)
		if err != nil {
			return nil, bad("%s", err.Error())
		}
		return d, nil
	case Boolean:
		switch string(raw) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, bad("must be true or false")
	case Datetime:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, bad("must be a datetime string YYYY-MM-DDTHH:MM:SS (UTC)")
		}
		t, err := ParseDatetime(s)
		if err != nil {
			return nil, bad("%s", err.Error())
		}
		return t, nil
	case Binary:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, bad("must be a Base64 string")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, bad("must be standard Base64 (RFC 4648, with padding)")
		}
		if len(b) > f.Length {
			return nil, bad("is %d bytes; at most %d", len(b), f.Length)
		}
		return b, nil
	}
	return nil, bad("has an unknown type")
}

func (f *Field) maxLength() int {
	if f.Type == ForeignKey {
		return MaxCodeBytes
	}
	return f.Length
}

// CheckText checks a text value: at most max characters (bytes for codes,
// which become keys), no control characters except tab outside codes, no
// bidi overrides.
func CheckText(s string, max int, code bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("is not valid UTF-8")
	}
	n := utf8.RuneCountInString(s)
	if code {
		n = len(s)
		if s == "" {
			return fmt.Errorf("must not be empty")
		}
	}
	if n > max {
		unit := "characters"
		if code {
			unit = "bytes"
		}
		return fmt.Errorf("is %d %s long; at most %d", n, unit, max)
	}
	for _, r := range s {
		switch {
		case r == '\t' && !code:
		case r < 0x20 || r == 0x7f:
			return fmt.Errorf("must not contain control characters")
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return fmt.Errorf("must not contain bidirectional override characters")
		}
	}
	return nil
}

// AppendJSON writes a value of the field as JSON.
func (f *Field) AppendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		out, _ := json.Marshal(x)
		return append(b, out...)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case Dec:
		return append(b, x...)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		if f.Name == FieldSrvDateUTC {
			return append(append(append(b, '"'), x.UTC().Format(StampLayout)...), '"')
		}
		return append(append(append(b, '"'), FormatDatetime(x)...), '"')
	case []byte:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, x)
		return append(b, '"')
	}
	return append(b, "null"...)
}
