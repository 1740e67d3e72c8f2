// Package bulk turns a CSV file of tracking numbers into tracking-number
// jobs of at most 1,000 numbers, each with an idempotency key derived from
// the file, so that submitting the same file again — after a crash, say —
// names the same jobs instead of creating new ones.
package bulk

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// JobSize is the most numbers one job may hold (the API's limit).
const JobSize = 1000

// Row is one tracking number of the file.
type Row struct {
	TrackingNumber string
	Carrier        string // "" when the file has none
}

// File is a parsed CSV file.
type File struct {
	Rows []Row
	// Digest identifies the file's content.
	Digest string
}

// Parse reads a CSV file whose header names a trackingNumber column and
// optionally a carrier column (either in any case, in any place; other
// columns are ignored). Every row needs a tracking number.
func Parse(r io.Reader) (File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return File{}, err
	}
	// Spreadsheets often save UTF-8 with a byte order mark.
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return File{}, errors.New("the file is empty; it needs a header row with a trackingNumber column")
	}
	if err != nil {
		return File{}, csvError(err)
	}
	numberCol, carrierCol := -1, -1
	for i, name := range header {
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "trackingnumber":
			numberCol = i
		case "carrier":
			carrierCol = i
		}
	}
	if numberCol < 0 {
		return File{}, fmt.Errorf("the header row has no trackingNumber column (found %q)", strings.Join(header, ","))
	}
	var f File
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return File{}, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		row := Row{TrackingNumber: strings.TrimSpace(field(rec, numberCol)), Carrier: strings.TrimSpace(field(rec, carrierCol))}
		if row.TrackingNumber == "" {
			return File{}, fmt.Errorf("line %d: trackingNumber is empty", line)
		}
		f.Rows = append(f.Rows, row)
	}
	if len(f.Rows) == 0 {
		return File{}, errors.New("the file has a header but no tracking numbers")
	}
	f.Digest = digest(f.Rows)
	return f, nil
}

func field(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return rec[i]
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: %v", pe.Line, pe.Err)
	}
	return err
}

// digest hashes the rows rather than the bytes, so that line endings or
// extra columns do not make the same numbers new jobs.
func digest(rows []Row) string {
	h := sha256.New()
	for _, r := range rows {
		fmt.Fprintf(h, "%q,%q\n", r.TrackingNumber, r.Carrier)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Chunk is one job's share of the file.
type Chunk struct {
	Index int // 0-based
	// First is the index in the file of the chunk's first row.
	First int
	Rows  []Row
	// IdempotencyKey and ExternalReference are the same for the same
	// file, project and action, so a rerun finds the jobs it made before.
	IdempotencyKey    string
	ExternalReference string
}

// Chunks splits the file into jobs of at most JobSize numbers for a
// project and action.
func (f File) Chunks(projectID, action string) []Chunk {
	sum := sha256.Sum256([]byte(projectID + "\n" + action + "\n" + f.Digest))
	id := hex.EncodeToString(sum[:16])
	n := (len(f.Rows) + JobSize - 1) / JobSize
	chunks := make([]Chunk, 0, n)
	for i := range n {
		first := i * JobSize
		last := min(first+JobSize, len(f.Rows))
		chunks = append(chunks, Chunk{
			Index: i, First: first, Rows: f.Rows[first:last],
			IdempotencyKey:    fmt.Sprintf("csv-%s-%d", id, i),
			ExternalReference: fmt.Sprintf("csv-%s %d/%d", id[:12], i+1, n),
		})
	}
	return chunks
}
