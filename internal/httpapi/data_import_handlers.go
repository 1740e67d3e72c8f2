package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
)

// Handlers of weavy's imports, dataset delete and merge: each is
// planned and committed atomically by the data service; what cannot
// finish within the request's time answers 202 and is read back at
// /v1/data/{projectId}/imports/{importId}.

type statisticsBody struct {
	QueryCount         int64  `json:"queryCount"`
	QueryDurationTotal string `json:"queryDurationTotal"`
	ExecutionDuration  string `json:"executionDuration"`
}

func newStatistics(s data.Statistics) statisticsBody {
	return statisticsBody{QueryCount: s.QueryCount, QueryDurationTotal: data.FormatDuration(s.QueryDurationTotal), ExecutionDuration: data.FormatDuration(s.ExecutionDuration)}
}

// importResult is the answer of a finished import, by kind: the counts
// weavy prints for it.
func importResult(imp data.Import) map[string]any {
	c := imp.Counts
	out := map[string]any{"statistics": newStatistics(imp.Stats)}
	switch imp.Kind {
	case data.KindBulk:
		out["addedRow"], out["updatedRow"] = c.Added, c.Updated
	case data.KindDelete:
		out["deletedRow"] = c.Deleted
	default:
		out["addedRow"], out["updatedRow"], out["deletedRow"], out["unchangedRow"] = c.Added, c.Updated, c.Deleted, c.Unchanged
	}
	return out
}

type importAccepted struct {
	ImportID string `json:"importId"`
	Status   string `json:"status"`
}

// counted runs an import with its store requests counted, and fills the
// statistics of one that finished within the call.
func counted(ctx context.Context, run func(context.Context) (data.Outcome, error)) (data.Outcome, error) {
	st := &data.Stats{}
	start := time.Now()
	out, err := run(data.WithStats(ctx, st))
	if err == nil && out.Import.ID == "" {
		out.Import.Stats = data.Statistics{QueryCount: st.Queries(), QueryDurationTotal: st.Duration(), ExecutionDuration: time.Since(start)}
	}
	return out, err
}

// writeOutcome answers a finished import with body(result) and a queued
// one 202; a failed one is its problem.
func writeOutcome(w http.ResponseWriter, r *http.Request, out data.Outcome, body func(map[string]any) any) error {
	imp := out.Import
	switch imp.Status {
	case data.ImportCompleted:
		writeJSON(w, http.StatusOK, body(importResult(imp)))
	case data.ImportFailed:
		return importProblem(imp.Failure)
	default:
		w.Header().Set("Location", r.Header.Get(BasePathHeader)+"/v1/data/"+r.PathValue("projectId")+"/imports/"+imp.ID)
		writeJSON(w, http.StatusAccepted, importAccepted{ImportID: imp.ID, Status: string(imp.Status)})
	}
	return nil
}

func plainResult(m map[string]any) any { return m }

// importProblem is the problem of a failed import.
func importProblem(f *data.Failure) *Problem {
	if f == nil {
		return newProblem(http.StatusConflict, "IMPORT_FAILED", "the import could not finish and nothing was changed; send it again")
	}
	switch f.Reason {
	case data.FailInvalid:
		return badRequest(f.Message, FieldError{Field: f.Field, Message: f.Message})
	case data.FailChanged:
		return newProblem(http.StatusConflict, "ROW_CHANGED", f.Message, FieldError{Field: f.Field, Message: f.Message})
	}
	return newProblem(http.StatusConflict, "IMPORT_FAILED", "the import could not finish and nothing was changed ("+f.Message+"); send it again")
}

func (a *API) bulkImport(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, dataBody...)
	if err != nil {
		return err
	}
	e, err := a.dataAccess(r, r.PathValue("entity"), true)
	if err != nil {
		return err
	}
	parse := func(body []byte) ([]data.Intent, error) { return data.ParseBulk(e, body) }
	run := func(ctx context.Context, intents []data.Intent) (data.Outcome, error) {
		return a.Data.Bulk(ctx, r.PathValue("projectId"), e, intents)
	}
	_, out, err := runImport(r, body, parse, run)
	if err != nil {
		return err
	}
	return writeOutcome(w, r, out, plainResult)
}

// runImport parses an import's body and runs it, counted.
func runImport[T any](r *http.Request, body []byte, parse func([]byte) (T, error), run func(context.Context, T) (data.Outcome, error)) (parsed T, out data.Outcome, err error) {
	if parsed, err = parse(body); err != nil {
		return parsed, out, err
	}
	out, err = counted(r.Context(), func(ctx context.Context) (data.Outcome, error) { return run(ctx, parsed) })
	return parsed, out, err
}

type importStatusBody struct {
	ImportID  string         `json:"importId"`
	Kind      string         `json:"kind"`
	Status    string         `json:"status"`
	CreatedAt string         `json:"createdAt"`
	Result    map[string]any `json:"result"`
	Error     *Problem       `json:"error"`
}

func (a *API) importStatus(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.dataAccess(r, "", false); err != nil {
		return err
	}
	imp, err := a.Data.ImportStatusOf(r.Context(), r.PathValue("projectId"), r.PathValue("importId"))
	if err != nil {
		if errors.Is(err, data.ErrNotFound) {
			return newProblem(http.StatusNotFound, "NOT_FOUND", "no such import in this project")
		}
		return err
	}
	out := importStatusBody{ImportID: imp.ID, Kind: string(imp.Kind), Status: string(imp.Status), CreatedAt: imp.CreatedAt.UTC().Format(time.RFC3339)}
	switch imp.Status {
	case data.ImportCompleted:
		out.Result = importResult(imp)
	case data.ImportFailed:
		out.Error = importProblem(imp.Failure)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) datasetImport(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, dataBody...)
	if err != nil {
		return err
	}
	if _, err := a.dataAccess(r, "", true); err != nil {
		return err
	}
	run := func(ctx context.Context, root *data.DatasetNode) (data.Outcome, error) {
		return a.Data.Dataset(ctx, r.PathValue("projectId"), root)
	}
	_, out, err := runImport(r, body, a.Data.Catalog.ParseDataset, run)
	if err != nil {
		return err
	}
	return writeOutcome(w, r, out, plainResult)
}

func (a *API) datasetDelete(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, dataBody...)
	if err != nil {
		return err
	}
	if _, err := a.dataAccess(r, "", true); err != nil {
		return err
	}
	run := func(ctx context.Context, intents []data.Intent) (data.Outcome, error) {
		return a.Data.DatasetDelete(ctx, r.PathValue("projectId"), intents)
	}
	_, out, err := runImport(r, body, a.Data.Catalog.ParseDatasetDelete, run)
	if err != nil {
		return err
	}
	return writeOutcome(w, r, out, plainResult)
}

func (a *API) relationalImport(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, dataBody...)
	if err != nil {
		return err
	}
	if _, err := a.dataAccess(r, "", true); err != nil {
		return err
	}
	run := func(ctx context.Context, rel data.Relational) (data.Outcome, error) {
		return a.Data.RelationalImport(ctx, r.PathValue("projectId"), rel)
	}
	rel, out, err := runImport(r, body, a.Data.Catalog.ParseRelational, run)
	if err != nil {
		return err
	}
	return writeOutcome(w, r, out, func(res map[string]any) any {
		// The stored rows, by entity in order of first appearance.
		groups := []map[string]any{}
		if !rel.NoResultData {
			at := map[string]int{}
			for _, rec := range out.Records {
				e, _ := a.Data.Catalog.Entity(rec.Entity)
				i, ok := at[rec.Entity]
				if !ok {
					i = len(groups)
					at[rec.Entity] = i
					groups = append(groups, map[string]any{"entityName": rec.Entity, "rows": []json.RawMessage{}})
				}
				groups[i]["rows"] = append(groups[i]["rows"].([]json.RawMessage), data.MarshalRecord(e, rec, nil))
			}
		}
		res["data"] = groups
		return res
	})
}

func (a *API) mergeRecords(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		SourceRowCode *string `json:"sourceRowCode"`
		TargetRowCode *string `json:"targetRowCode"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	e, err := a.dataAccess(r, r.PathValue("entity"), true)
	if err != nil {
		return err
	}
	if req.SourceRowCode == nil || req.TargetRowCode == nil {
		return badRequest("send sourceRowCode and targetRowCode", FieldError{Field: "sourceRowCode", Message: "both codes are required"})
	}
	out, err := counted(r.Context(), func(ctx context.Context) (data.Outcome, error) {
		return a.Data.Merge(ctx, r.PathValue("projectId"), e, *req.SourceRowCode, *req.TargetRowCode)
	})
	if err != nil {
		return err
	}
	return writeOutcome(w, r, out, plainResult)
}
