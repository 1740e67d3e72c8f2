// Package page holds the cursor paging every list endpoint shares.
package page

import (
	"errors"
	"fmt"
	"strconv"
)

// Limits on list pages: the contract caps a page at 1,000 items.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// ErrBadCursor is returned for a cursor that does not belong to the list
// it is used on, or was not made by this service.
var ErrBadCursor = errors.New("invalid cursor")

// Request asks for one page.
type Request struct {
	// Cursor is the opaque NextCursor of the previous page, or "".
	Cursor string
	Limit  int
}

// Page is one page of items.
type Page[T any] struct {
	Items []T
	// NextCursor is "" on the last page.
	NextCursor string
}

// ParseLimit reads a limit query parameter: "" means def, otherwise an
// integer from 1 to most.
func ParseLimit(s string, def, most int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > most {
		return 0, fmt.Errorf("limit must be an integer from 1 to %d", most)
	}
	return n, nil
}
