package data

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/input"
)

// MaxExportRows bounds the rows of one export validation call, all
// entities together: one page of retrieval.
const MaxExportRows = 1000

// ExportBatch validates the export of rows of one entity.
type ExportBatch struct {
	Entity    *Entity
	SrvExport int64
	Rows      []ExportRow
}

// ExportRow is a row to mark, with the srvDateUTC it was read at.
type ExportRow struct {
	Code       string
	SrvDateUTC time.Time
}

// ExportResult is the outcome for one entity.
type ExportResult struct {
	Entity      string
	UpdatedRows int
	Conflicts   []Conflict
}

type exportBody struct {
	CompanyCode *string `json:"companyCode"`
	EntityName  *string `json:"entityName"`
	SrvExport   *int64  `json:"srvExport"`
	Rows        []struct {
		RowCode    *string `json:"rowCode"`
		SrvDateUTC *string `json:"srvDateUTC"`
	} `json:"rows"`
}

// ParseExport reads an export validation body: one object or an array.
func (c *Catalog) ParseExport(body []byte) ([]ExportBatch, error) {
	var raws []json.RawMessage
	trimmed := firstByte(body)
	if trimmed == '[' {
		if err := json.Unmarshal(body, &raws); err != nil || len(raws) == 0 {
			return nil, errorf("(body)", "send an object or a non-empty array of objects")
		}
	} else {
		raws = []json.RawMessage{body}
	}
	var out []ExportBatch
	total := 0
	for _, raw := range raws {
		if _, _, err := DecodeObject(raw); err != nil {
			return nil, errorf("(body)", "%s", err.Error())
		}
		var b exportBody
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			return nil, errorf("(body)", "an export validation is {companyCode?, entityName, srvExport, rows: [{rowCode, srvDateUTC}]}")
		}
		if b.EntityName == nil {
			return nil, errorf("entityName", "is required")
		}
		e, ok := c.Entity(*b.EntityName)
		if !ok {
			return nil, errorf("entityName", "no entity %q; GET .../entities lists them", *b.EntityName)
		}
		if b.SrvExport == nil || *b.SrvExport < 0 || *b.SrvExport > 1_000_000 {
			return nil, errorf("srvExport", "is required: the export status to set, an integer from 0 to 1000000 (usually 1)")
		}
		if b.CompanyCode != nil && len(*b.CompanyCode) > MaxIDBytes {
			return nil, errorf("companyCode", "is at most 200 bytes")
		}
		if b.Rows == nil {
			return nil, errorf("rows", "is required: [{rowCode, srvDateUTC}, ...]")
		}
		batch := ExportBatch{Entity: e, SrvExport: *b.SrvExport}
		for _, row := range b.Rows {
			if row.RowCode == nil {
				return nil, errorf("rows[].rowCode", "is required")
			}
			if err := checkCode(*row.RowCode); err != nil {
				return nil, errorf("rows[].rowCode", "%s", err.(*input.Error).Message)
			}
			if row.SrvDateUTC == nil {
				return nil, errorf("rows[].srvDateUTC", "is required: the srvDateUTC read with the row")
			}
			t, err := ParseStamp(*row.SrvDateUTC)
			if err != nil {
				return nil, errorf("rows[].srvDateUTC", "%s", err.Error())
			}
			batch.Rows = append(batch.Rows, ExportRow{Code: *row.RowCode, SrvDateUTC: t})
		}
		total += len(batch.Rows)
		if total > MaxExportRows {
			return nil, errorf("rows", "at most %d rows per call; split the validation", MaxExportRows)
		}
		out = append(out, batch)
	}
	return out, nil
}

// exportConcurrency bounds the conditional updates in flight.
const exportConcurrency = 16

// ValidateExport marks each row whose srvDateUTC still matches; the
// others are listed as conflicts and left unchanged.
func (s Service) ValidateExport(ctx context.Context, projectID string, batches []ExportBatch) ([]ExportResult, error) {
	results := make([][]Conflict, len(batches))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(exportConcurrency)
	for i, b := range batches {
		results[i] = make([]Conflict, len(b.Rows))
		for j, row := range b.Rows {
			g.Go(func() error {
				c, err := s.Store.MarkExported(ctx, projectID, b.Entity, row.Code, row.SrvDateUTC, b.SrvExport)
				c.RowCode = row.Code
				results[i][j] = c
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]ExportResult, len(batches))
	for i, b := range batches {
		out[i] = ExportResult{Entity: b.Entity.Name, Conflicts: []Conflict{}}
		for _, c := range results[i] {
			if c.Reason == "" {
				out[i].UpdatedRows++
			} else {
				out[i].Conflicts = append(out[i].Conflicts, c)
			}
		}
	}
	return out, nil
}

func firstByte(b []byte) byte {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}
