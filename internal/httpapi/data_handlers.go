package httpapi

import (
	"net/http"
	"strconv"
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
func (a *API) dataAccess(w http.ResponseWriter, r *http.Request, entity string, write bool) (*data.Entity, bool) {
	e, err := a.Data.Access(r.Context(), caller(r), r.PathValue("projectId"), entity, write)
	if err != nil {
		writeError(w, r, err)
		return nil, false
	}
	return e, true
}

func (a *API) listEntities(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.dataAccess(w, r, "", false); !ok {
		return
	}
	out := make([]entityBody, 0, len(a.Data.Catalog.Entities()))
	for _, e := range a.Data.Catalog.Entities() {
		out = append(out, newEntityBody(e))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) getEntity(w http.ResponseWriter, r *http.Request) {
	e, ok := a.dataAccess(w, r, r.PathValue("entityName"), false)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, newEntityBody(e))
}

// dataBody reads a data exchange body (readDataBody), answering what is
// wrong with it itself; ok is false then. Handlers read it before they
// authorize, so text the API refuses is refused whatever the project.
func dataBody(w http.ResponseWriter, r *http.Request) (body []byte, ok bool) {
	body, err := readDataBody(r)
	if err != nil {
		writeError(w, r, err)
		return nil, false
	}
	return body, true
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

func (a *API) listRecords(w http.ResponseWriter, r *http.Request) {
	e, ok := a.dataAccess(w, r, r.PathValue("entity"), false)
	if !ok {
		return
	}
	q := data.Query{Limit: data.DefaultLimit, Cursor: r.URL.Query().Get("cursor")}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > data.MaxLimit {
			writeError(w, r, badRequest("limit must be an integer from 1 to 1000", FieldError{Field: "limit", Message: "from 1 to 1000"}))
			return
		}
		q.Limit = n
	}
	recs, next, err := a.Data.Find(r.Context(), r.PathValue("projectId"), e, q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeRecords(w, e, recs, nil, next)
}

func (a *API) queryRecords(w http.ResponseWriter, r *http.Request) {
	body, ok := dataBody(w, r)
	if !ok {
		return
	}
	e, ok := a.dataAccess(w, r, r.PathValue("entity"), false)
	if !ok {
		return
	}
	q, err := data.ParseQuery(e, body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	recs, next, err := a.Data.Find(r.Context(), r.PathValue("projectId"), e, q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeRecords(w, e, recs, q.Fields, next)
}

func (a *API) createRecord(w http.ResponseWriter, r *http.Request) {
	body, ok := dataBody(w, r)
	if !ok {
		return
	}
	e, ok := a.dataAccess(w, r, r.PathValue("entity"), true)
	if !ok {
		return
	}
	wr, err := data.DecodeWrite(e, body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	rec, err := a.Data.Create(r.Context(), r.PathValue("projectId"), e, wr)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", r.URL.Path+"/"+rec.Code)
	writeRecord(w, http.StatusCreated, e, rec)
}

func (a *API) getRecord(w http.ResponseWriter, r *http.Request) {
	e, ok := a.dataAccess(w, r, r.PathValue("entity"), false)
	if !ok {
		return
	}
	rec, err := a.Data.Get(r.Context(), r.PathValue("projectId"), e, r.PathValue("code"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeRecord(w, http.StatusOK, e, rec)
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

func (a *API) updateRecord(w http.ResponseWriter, r *http.Request) {
	body, ok := dataBody(w, r)
	if !ok {
		return
	}
	e, ok := a.dataAccess(w, r, r.PathValue("entity"), true)
	if !ok {
		return
	}
	match, err := ifMatch(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	wr, err := data.DecodeWrite(e, body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	rec, err := a.Data.Update(r.Context(), r.PathValue("projectId"), e, r.PathValue("code"), wr, match)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeRecord(w, http.StatusOK, e, rec)
}

func (a *API) deleteRecord(w http.ResponseWriter, r *http.Request) {
	e, ok := a.dataAccess(w, r, r.PathValue("entity"), true)
	if !ok {
		return
	}
	match, err := ifMatch(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	mode := data.DeleteMode(r.URL.Query().Get("deleteMode"))
	if mode == "" {
		mode = data.Logical
	}
	if err := a.Data.Delete(r.Context(), r.PathValue("projectId"), e, r.PathValue("code"), mode, match); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
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

func (a *API) validateExport(w http.ResponseWriter, r *http.Request) {
	body, ok := dataBody(w, r)
	if !ok {
		return
	}
	if _, ok := a.dataAccess(w, r, "", true); !ok {
		return
	}
	batches, err := a.Data.Catalog.ParseExport(body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	results, err := a.Data.ValidateExport(r.Context(), r.PathValue("projectId"), batches)
	if err != nil {
		writeError(w, r, err)
		return
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
}
