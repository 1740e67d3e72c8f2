package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/parcelgate/parcelgate/internal/input"
)

// MaxImportRows bounds the rows of one import call, all entities
// together; the body's size limit usually binds first.
const MaxImportRows = 50000

// decodeArray reads a JSON array strictly and returns its elements raw.
func decodeArray(body []byte, what string) ([]json.RawMessage, error) {
	if !json.Valid(body) {
		return nil, errorf("(body)", "the body is not valid JSON (or not valid UTF-8)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '[' {
		return nil, errorf("(body)", "the body must be a JSON array of %s", what)
	}
	var out []json.RawMessage
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errorf("(body)", "the body is not valid JSON")
		}
		if len(out) == MaxImportRows {
			return nil, errorf("(body)", "at most %d rows per call; split the import", MaxImportRows)
		}
		out = append(out, raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, errorf("(body)", "the body is not valid JSON")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errorf("(body)", "the body must hold exactly one JSON value")
	}
	if len(out) == 0 {
		return nil, errorf("(body)", "the array is empty; send at least one %s", what)
	}
	return out, nil
}

// rowWrite reads one row of entity e; row locates it in errors. The code
// is required.
func rowWrite(e *Entity, raw json.RawMessage, row string) (Write, error) {
	w, err := DecodeWrite(e, raw)
	if err != nil {
		var inv *input.Error
		if errors.As(err, &inv) {
			field := row + "." + inv.Field
			if inv.Field == "(body)" {
				field = row
			}
			return Write{}, &input.Error{Field: field, Message: fmt.Sprintf("row %s: %s", rowNumber(row), inv.Message), Labelled: true}
		}
		return Write{}, err
	}
	if w.Code == "" {
		return Write{}, &input.Error{Field: row + "." + e.CodeField(), Message: fmt.Sprintf("row %s: %s is required: rows are matched by code", rowNumber(row), e.CodeField()), Labelled: true}
	}
	return w, nil
}

// ParseBulk reads a bulk import body: an array of records of e, each
// with its code, a code at most once.
func ParseBulk(e *Entity, body []byte) ([]Intent, error) {
	raws, err := decodeArray(body, e.Name+" records")
	if err != nil {
		return nil, err
	}
	intents := make([]Intent, len(raws))
	seen := make(map[string]int, len(raws))
	for i, raw := range raws {
		row := fmt.Sprintf("[%d]", i)
		w, err := rowWrite(e, raw, row)
		if err != nil {
			return nil, err
		}
		if first, dup := seen[w.Code]; dup {
			return nil, &input.Error{Field: row + "." + e.CodeField(), Message: fmt.Sprintf("row %d: %s %q already appears in row %d", i+1, e.CodeField(), w.Code, first+1), Labelled: true}
		}
		seen[w.Code] = i
		intents[i] = Intent{Entity: e, Code: w.Code, Row: row, Apply: upsert(w.Values)}
	}
	return intents, nil
}

// Bulk upserts records of one entity by code, atomically.
func (s Service) Bulk(ctx context.Context, projectID string, e *Entity, intents []Intent) (Outcome, error) {
	return s.run(ctx, projectID, KindBulk, intents)
}

// run plans intents and commits the plan.
func (s Service) run(ctx context.Context, projectID string, kind ImportKind, intents []Intent) (Outcome, error) {
	plan, counts, records, err := newPlanner(s, projectID).build(ctx, intents)
	if err != nil {
		return Outcome{}, err
	}
	imp, err := s.commit(ctx, kind, plan, counts)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Import: imp}
	if imp.Status == ImportCompleted {
		out.Records = records
	}
	return out, nil
}
