package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// outputFormats are the values of --output.
var outputFormats = []string{"table", "json", "csv"}

// table is what a command prints: rows for table and csv, and the value
// for json (raw JSON bytes are printed as the API sent them, indented).
type table struct {
	header []string
	rows   [][]string
	json   any
}

func (t table) print(w io.Writer, format string) error {
	switch format {
	case "json":
		if raw, ok := t.json.([]byte); ok {
			var buf bytes.Buffer
			if err := json.Indent(&buf, raw, "", "  "); err != nil {
				return err
			}
			buf.WriteByte('\n')
			_, err := w.Write(buf.Bytes())
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(t.json)
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(t.header); err != nil {
			return err
		}
		if err := cw.WriteAll(t.rows); err != nil {
			return err
		}
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		cells := make([]string, len(r))
		for i, c := range r {
			// A tab or newline in a value would break the columns.
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// deref renders a nullable string, null as "".
func deref[S ~string](s *S) string {
	if s == nil {
		return ""
	}
	return string(*s)
}

// timestamp renders a time as the API writes it (RFC 3339 in UTC).
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
