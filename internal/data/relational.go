package data

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// deletionDoc names records of one entity to delete, as weavy's
// dataset delete and relational import documents spell it. The data
// package reads these documents itself: their rows are typed by the
// project's entity catalog.
type deletionDoc struct {
	EntityName string   `json:"entityName"`
	RowCodes   []string `json:"rowCodes"`
}

// deleteIntents are logical deletes of the codes named; row locates the
// list in the request. A code naming no live record fails the whole
// call.
func (c *Catalog) deleteIntents(dels []deletionDoc, row string) ([]Intent, error) {
	var out []Intent
	for i, d := range dels {
		at := fmt.Sprintf("%s[%d]", row, i)
		e, ok := c.Entity(d.EntityName)
		if !ok {
			return nil, errorf(at+".entityName", "no entity %q; GET .../entities lists them", d.EntityName)
		}
		if len(d.RowCodes) == 0 {
			return nil, errorf(at+".rowCodes", "rowCodes must list at least one code")
		}
		for j, code := range d.RowCodes {
			codeAt := fmt.Sprintf("%s.rowCodes[%d]", at, j)
			if err := CheckText(code, MaxCodeBytes, true); err != nil {
				return nil, errorf(codeAt, "the record code %s", err.Error())
			}
			out = append(out, Intent{Entity: e, Code: code, Row: codeAt, Apply: func(old *Record) (Record, error) {
				if old == nil || old.Deleted {
					return Record{}, errorf(codeAt, "%s %q names no %s record", e.CodeField(), code, e.Name)
				}
				return deleteIfLive(old)
			}})
		}
	}
	return out, nil
}

// ParseDatasetDelete reads a dataset delete: [{entityName, rowCodes}].
func (c *Catalog) ParseDatasetDelete(body []byte) ([]Intent, error) {
	raws, err := decodeArray(body, "{entityName, rowCodes} objects")
	if err != nil {
		return nil, err
	}
	dels := make([]deletionDoc, len(raws))
	for i, raw := range raws {
		if err := strictUnmarshal(raw, &dels[i]); err != nil {
			return nil, errorf(fmt.Sprintf("[%d]", i), "%s", err.Error())
		}
	}
	return c.deleteIntents(dels, "")
}

// strictUnmarshal decodes one object, refusing unknown and repeated members.
func strictUnmarshal(raw []byte, v any) error {
	if _, _, err := DecodeObject(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body does not have the expected shape: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// DatasetDelete deletes records (logically), atomically.
func (s Service) DatasetDelete(ctx context.Context, projectID string, intents []Intent) (Outcome, error) {
	return s.run(ctx, projectID, KindDelete, intents)
}

// relationDoc sets a target record's foreign key to a source record, as
// a relational import document spells it.
type relationDoc struct {
	SourceEntityName string `json:"SourceEntityName"`
	SourceRowCode    string `json:"SourceRowCode"`
	TargetEntityName string `json:"TargetEntityName"`
	TargetRowCode    string `json:"TargetRowCode"`
	TargetFieldName  string `json:"TargetFieldName"`
}

// Relational is a parsed relational import.
type Relational struct {
	NoResultData bool
	Intents      []Intent
}

// ParseRelational reads a relational import: upserts by entity, then
// relations, then deletes.
func (c *Catalog) ParseRelational(body []byte) (Relational, error) {
	var doc struct {
		NoResultData bool `json:"noResultData"`
		Data         []struct {
			EntityName string            `json:"entityName"`
			Rows       []json.RawMessage `json:"rows"`
		} `json:"data"`
		Deletes   []deletionDoc `json:"deletes"`
		Relations []relationDoc `json:"relations"`
	}
	if err := strictUnmarshal(body, &doc); err != nil {
		return Relational{}, errorf("(body)", "%s", err.Error())
	}
	out := Relational{NoResultData: doc.NoResultData}
	type key struct{ entity, code string }
	seen := map[key]string{}
	for i, d := range doc.Data {
		at := fmt.Sprintf("data[%d]", i)
		e, ok := c.Entity(d.EntityName)
		if !ok {
			return Relational{}, errorf(at+".entityName", "no entity %q; GET .../entities lists them", d.EntityName)
		}
		for j, raw := range d.Rows {
			row := fmt.Sprintf("%s.rows[%d]", at, j)
			w, err := rowWrite(e, raw, row)
			if err != nil {
				return Relational{}, err
			}
			if first, dup := seen[key{e.Name, w.Code}]; dup {
				return Relational{}, errorf(row+"."+e.CodeField(), "%s %q already appears at %s", e.CodeField(), w.Code, first)
			}
			seen[key{e.Name, w.Code}] = row
			out.Intents = append(out.Intents, Intent{Entity: e, Code: w.Code, Row: row, Apply: upsert(w.Values)})
		}
	}
	for i, r := range doc.Relations {
		at := fmt.Sprintf("relations[%d]", i)
		src, ok := c.Entity(r.SourceEntityName)
		if !ok {
			return Relational{}, errorf(at+".SourceEntityName", "no entity %q", r.SourceEntityName)
		}
		dst, ok := c.Entity(r.TargetEntityName)
		if !ok {
			return Relational{}, errorf(at+".TargetEntityName", "no entity %q", r.TargetEntityName)
		}
		f, ok := dst.Field(r.TargetFieldName)
		if !ok || f.References != src.Name {
			return Relational{}, errorf(at+".TargetFieldName", "%s has no foreign key %q to %s", dst.Name, r.TargetFieldName, src.Name)
		}
		for _, code := range []string{r.SourceRowCode, r.TargetRowCode} {
			if err := CheckText(code, MaxCodeBytes, true); err != nil {
				return Relational{}, errorf(at, "a row code %s", err.Error())
			}
		}
		source := r.SourceRowCode
		out.Intents = append(out.Intents, Intent{Entity: dst, Code: r.TargetRowCode, Row: at, Apply: func(old *Record) (Record, error) {
			if old == nil || old.Deleted {
				return Record{}, errorf(at+".TargetRowCode", "%s %q names no %s record", dst.CodeField(), r.TargetRowCode, dst.Name)
			}
			return upsert(map[string]any{f.Name: source})(old)
		}})
	}
	dels, err := c.deleteIntents(doc.Deletes, "deletes")
	if err != nil {
		return Relational{}, err
	}
	out.Intents = append(out.Intents, dels...)
	return out, nil
}

// RelationalImport runs a relational import atomically.
func (s Service) RelationalImport(ctx context.Context, projectID string, r Relational) (Outcome, error) {
	return s.run(ctx, projectID, KindRelational, r.Intents)
}

// Merge moves every reference to source onto target, fills the target's
// null fields with the source's values and deletes the source
// (logically), atomically whatever the number of references.
func (s Service) Merge(ctx context.Context, projectID string, e *Entity, sourceCode, targetCode string) (Outcome, error) {
	for field, code := range map[string]string{"sourceRowCode": sourceCode, "targetRowCode": targetCode} {
		if err := CheckText(code, MaxCodeBytes, true); err != nil {
			return Outcome{}, errorf(field, "the record code %s", err.Error())
		}
	}
	if sourceCode == targetCode {
		return Outcome{}, errorf("targetRowCode", "the source and the target are the same record")
	}
	refs, err := s.Imports.Referrers(ctx, projectID, e, sourceCode)
	if err != nil {
		return Outcome{}, err
	}
	var source Record
	intents := []Intent{{Entity: e, Code: sourceCode, Row: "sourceRowCode", Apply: func(old *Record) (Record, error) {
		if old == nil || old.Deleted {
			return Record{}, errorf("sourceRowCode", "%s %q names no %s record", e.CodeField(), sourceCode, e.Name)
		}
		source = *old
		return deleteIfLive(old)
	}}}
	intents = append(intents, Intent{Entity: e, Code: targetCode, Row: "targetRowCode", Apply: func(old *Record) (Record, error) {
		if old == nil || old.Deleted {
			return Record{}, errorf("targetRowCode", "%s %q names no %s record", e.CodeField(), targetCode, e.Name)
		}
		fill := map[string]any{}
		for k, v := range source.Values {
			if _, set := old.Values[k]; !set {
				fill[k] = v
			}
		}
		return upsert(fill)(old)
	}})
	for i, r := range refs {
		re, ok := s.Catalog.Entity(r.Entity)
		if !ok {
			continue
		}
		field := r.Field
		intents = append(intents, Intent{Entity: re, Code: r.Code, Row: fmt.Sprintf("references[%d]", i), Apply: func(old *Record) (Record, error) {
			if old == nil {
				return Record{Deleted: true}, nil // a stale reference item: nothing to move
			}
			rec := *old
			rec.Values = make(map[string]any, len(old.Values))
			for k, v := range old.Values {
				rec.Values[k] = v
			}
			if rec.Values[field] == sourceCode {
				rec.Values[field] = targetCode
			}
			return rec, nil
		}})
	}
	return s.run(ctx, projectID, KindMerge, intents)
}
