// Package input holds the rules every caller-supplied value obeys, whatever
// the route: the length of ids, the characters text may hold, and strict
// JSON (one value, unique member names, valid UTF-8). Handlers and domain
// packages apply them before anything reaches a store, so a bad value is a
// 4xx naming the field, never a store error.
package input

import (
	"fmt"
	"unicode/utf8"
)

// MaxIDBytes bounds every id a caller sends: client, principal, project,
// job and request ids, references looked up by id, idempotency keys. It
// keeps any key built from ids far below DynamoDB's key size limits.
const MaxIDBytes = 200

// Error is a value refused by a rule, naming the field at fault. It is the
// one validation error of every package, so the error table maps it once.
type Error struct {
	Field   string
	Message string
	// Kind says what is wrong; the zero value is a value no rule accepts.
	Kind Kind
	// Code is the route's own machine code for the refusal where the API it is
	// compatible with names one (INVALID_ACTION, TOO_MANY_MESSAGES); Message is then the
	// whole sentence the client reads.
	Code string
	// Labelled marks a Message that does not continue Field as a sentence
	// ("must be admin, contributor or viewer"): the error reads
	// "field: message" rather than "field message".
	Labelled bool
}

// Kind is what is wrong with a refused value.
type Kind int

const (
	// Invalid: the value breaks a rule of its field.
	Invalid Kind = iota
	// Rejected: the request reads correctly, but what it asks for breaks
	// a rule of the resource it changes (a project's name, the roles an
	// admin may give).
	Rejected
	// Missing: the value names a record that does not exist.
	Missing
)

func (e *Error) Error() string {
	if e.Labelled {
		return e.Field + ": " + e.Message
	}
	return e.Field + " " + e.Message
}

// CheckID refuses an id longer than MaxIDBytes or holding characters no
// text may hold (tab included).
func CheckID(field, id string) error {
	if len(id) > MaxIDBytes {
		return &Error{Field: field, Message: fmt.Sprintf("is %d bytes long; ids are at most %d bytes", len(id), MaxIDBytes)}
	}
	return CheckText(field, id, false)
}

// CheckText refuses a string that is not valid UTF-8 or holds a control
// character (U+0000–U+001F, U+007F–U+009F; tab only where freeText), a
// line or paragraph separator (U+2028, U+2029: line breaks, refused as
// newlines are), a byte order mark (U+FEFF, invisible inside text), or a
// bidi override (U+202A–U+202E, U+2066–U+2069), which would let stored text
// rearrange what a page or a terminal shows.
func CheckText(field, s string, freeText bool) error {
	if msg := textProblem(s, freeText); msg != "" {
		return &Error{Field: field, Message: msg}
	}
	return nil
}

func textProblem(s string, freeText bool) string {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !validAt(s, i):
			return fmt.Sprintf("is not valid UTF-8 (at byte %d)", i)
		case r == '\t' && freeText:
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return fmt.Sprintf("holds the control character U+%04X (at byte %d); text may not hold control characters", r, i)
		case r == 0x2028 || r == 0x2029:
			return fmt.Sprintf("holds the line separator U+%04X (at byte %d); text may not hold line breaks", r, i)
		case r == 0xfeff:
			return fmt.Sprintf("holds the byte order mark U+FEFF (at byte %d), which is not allowed", i)
		case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("holds the bidirectional formatting character U+%04X (at byte %d), which is not allowed", r, i)
		}
	}
	return ""
}

// validAt tells a literal U+FFFD from an invalid byte at s[i].
func validAt(s string, i int) bool {
	r, size := utf8.DecodeRuneInString(s[i:])
	return r != utf8.RuneError || size == 3
}
