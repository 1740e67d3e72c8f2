package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
)

// Handlers of the data exchange (weavy-compatible). Records are written in the
// catalog's field order, which encoding/json's maps would lose, so bodies
// are built by data.MarshalRecord.

type translationBody struct {
	LanguageCode string `json:"languageCode"`
	Text         string `json:"text"`
}

type fieldBody struct {
	FieldName        string            `json:"fieldName"`
	Translations     []translationBody `json:"translations"`
	FieldType        string            `json:"fieldType"`
	FieldLength      *int              `json:"fieldLength"`
	ReferencedEntity *string           `json:"referencedEntity"`
	ReadOnly         bool              `json:"readOnly"`
}

type entityBody struct {
	EntityName   string            `json:"entityName"`
	Translations []translationBody `json:"translations"`
	Fields       []fieldBody       `json:"fields"`
}

func newTranslations(ts []data.Translation) []translationBody {
	out := make([]translationBody, len(ts))
	for i, t := range ts {
		out[i] = translationBody{LanguageCode: t.LanguageCode, Text: t.Text}
	}
	return out
}

func newEntityBody(e *data.Entity) entityBody {
	b := entityBody{EntityName: e.Name, Translations: newTranslations(e.Translations), Fields: make([]fieldBody, len(e.Fields))}
	for i, f := range e.Fields {
		fb := fieldBody{FieldName: f.Name, Translations: newTranslations(f.Translations), FieldType: string(f.Type), ReadOnly: f.ReadOnly, ReferencedEntity: optional(f.References)}
		if f.Length > 0 {
			fb.FieldLength = &f.Length
		}
		b.Fields[i] = fb
	}
	return b
}

// dataAccess authorizes the caller on the path's project and finds the
// named entity, if any ("" names none).
func (a *API) dataAccess(r *http.Request, entity string, write bool) (*data.Entity, error) {
	return a.Data.Access(r.Context(), caller(r), r.PathValue("projectId"), entity, write)
}

func (a *API) listEntities(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.dataAccess(r, "", false); err != nil {
		return err
	}
	out := make([]entityBody, 0, len(a.Data.Catalog.Entities()))
	for _, e := range a.Data.Catalog.Entities() {
		out = append(out, newEntityBody(e))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getEntity(w http.ResponseWriter, r *http.Request) error {
	e, err := a.dataAccess(r, r.PathValue("entityName"), false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newEntityBody(e))
	return nil
}

func writeRecords(w http.ResponseWriter, e *data.Entity, recs []data.Record, fields []string, next string) {
	if next != "" {
		w.Header().Set("Next-Cursor", next)
	}
	b := []byte{'['}
	for i, rec := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, data.MarshalRecord(e, rec, fields)...)
	}
	b = append(b, ']', '\n')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func writeRecord(w http.ResponseWriter, status int, e *data.Entity, rec data.Record) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", `"`+rec.SrvDateUTC.UTC().Format(data.StampLayout)+`"`)
	w.WriteHeader(status)
	_, _ = w.Write(append(data.MarshalRecord(e, rec, nil), '\n'))
}

func (a *API) listRecords(w http.ResponseWriter, r *http.Request) error {
	e, err := a.dataAccess(r, r.PathValue("entity"), false)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r, dataLimits)
	if err != nil {
		return err
	}
	q := data.Query{Limit: limit, Cursor: r.URL.Query().Get("cursor")}
	recs, next, err := a.Data.Find(r.Context(), r.PathValue("projectId"), e, q)
	if err != nil {
		return err
	}
	writeRecords(w, e, recs, nil, next)
	return nil
}

func (a *API) queryRecords(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, dataBody...)
	if err != nil {
		return err
	}
	e, err := a.dataAccess(r, r.PathValue("entity"), false)
	if err != nil {
		return err
	}
	q, err := data.ParseQuery(e, body)
	if err != nil {
		return err
	}
	recs, next, err := a.Data.Find(r.Context(), r.PathValue("projectId"), e, q)
	if err != nil {
		return err
	}
	writeRecords(w, e, recs, q.Fields, next)
	return nil
}

func (a *API) createRecord(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, dataBody...)
	if err != nil {
		return err
	}
	e, err := a.dataAccess(r, r.PathValue("entity"), true)
	if err != nil {
		return err
	}
	wr, err := data.DecodeWrite(e, body)
	if err != nil {
		return err
	}
	rec, err := a.Data.Create(r.Context(), r.PathValue("projectId"), e, wr)
	if err != nil {
		return err
	}
	w.Header().Set("Location", r.URL.Path+"/"+rec.Code)
	writeRecord(w, http.StatusCreated, e, rec)
	return nil
}

func (a *API) getRecord(w http.ResponseWriter, r *http.Request) error {
	e, err := a.dataAccess(r, r.PathValue("entity"), false)
	if err != nil {
		return err
	}
	rec, err := a.Data.Get(r.Context(), r.PathValue("projectId"), e, r.PathValue("code"))
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, e, rec)
	return nil
}

// ifMatch reads If-Match: the srvDateUTC last read, bare or quoted.
func ifMatch(r *http.Request) (time.Time, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := data.ParseStamp(strings.Trim(strings.TrimPrefix(v, "W/"), `"`))
	if err != nil {
		return time.Time{}, badRequest("If-Match must be the record's srvDateUTC, like 2026-01-02T03:04:05.1234567", FieldError{Field: "If-Match", Message: err.Error()})
	}
	return t, nil
}

func (a *API) updateRecord(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, dataBody...)
	if err != nil {
		return err
	}
	e, err := a.dataAccess(r, r.PathValue("entity"), true)
	if err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	wr, err := data.DecodeWrite(e, body)
	if err != nil {
		return err
	}
	rec, err := a.Data.Update(r.Context(), r.PathValue("projectId"), e, r.PathValue("code"), wr, match)
	if err != nil {
		return err
	}
	writeRecord(w, http.StatusOK, e, rec)
	return nil
}

func (a *API) deleteRecord(w http.ResponseWriter, r *http.Request) error {
	e, err := a.dataAccess(r, r.PathValue("entity"), true)
	if err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	mode := data.DeleteMode(r.URL.Query().Get("deleteMode"))
	if mode == "" {
		mode = data.Logical
	}
	if err := a.Data.Delete(r.Context(), r.PathValue("projectId"), e, r.PathValue("code"), mode, match); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type conflictBody struct {
	RowCode    string  `json:"rowCode"`
	Reason     string  `json:"reason"`
	SrvDateUTC *string `json:"srvDateUTC"`
}

type exportResultBody struct {
	EntityName  string         `json:"entityName"`
	UpdatedRows int            `json:"updatedRows"`
	Conflicts   []conflictBody `json:"conflicts"`
}

func (a *API) validateExport(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, dataBody...)
	if err != nil {
		return err
	}
	if _, err := a.dataAccess(r, "", true); err != nil {
		return err
	}
	batches, err := a.Data.Catalog.ParseExport(body)
	if err != nil {
		return err
	}
	results, err := a.Data.ValidateExport(r.Context(), r.PathValue("projectId"), batches)
	if err != nil {
		return err
	}
	out := struct {
		Entities []exportResultBody `json:"entities"`
	}{Entities: make([]exportResultBody, len(results))}
	for i, res := range results {
		rb := exportResultBody{EntityName: res.Entity, UpdatedRows: res.UpdatedRows, Conflicts: make([]conflictBody, len(res.Conflicts))}
		for j, c := range res.Conflicts {
			cb := conflictBody{RowCode: c.RowCode, Reason: c.Reason}
			if !c.SrvDateUTC.IsZero() {
				cb.SrvDateUTC = optional(c.SrvDateUTC.UTC().Format(data.StampLayout))
			}
			rb.Conflicts[j] = cb
		}
		out.Entities[i] = rb
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
