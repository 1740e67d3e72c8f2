// Package sorttime is the one layout of instants kept as strings whose
// string order must be their time order: sort keys, and the times items
// store. Fixed width (nanoseconds always written) and UTC, so comparing
// two strings compares the instants.
package sorttime

import "time"

// Layout is the sortable time layout.
const Layout = "2006-01-02T15:04:05.000000000Z"

// Format writes t, in UTC, in Layout.
func Format(t time.Time) string { return t.UTC().Format(Layout) }

// Parse reads an instant written by Format.
func Parse(s string) (time.Time, error) { return time.Parse(Layout, s) }
