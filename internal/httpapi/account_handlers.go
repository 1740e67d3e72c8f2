package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/task"
)

// Handlers of weavy's accounts, licences and processing tasks.

type licencesBody struct {
	Licences  int `json:"licences"`
	Used      int `json:"used"`
	Available int `json:"available"`
}

func newLicencesBody(l account.Licences) licencesBody {
	return licencesBody{Licences: l.Total, Used: l.Used, Available: max(l.Total-l.Used, 0)}
}

func (a *API) getLicences(w http.ResponseWriter, r *http.Request) {
	l, err := a.Accounts.Licences(r.Context(), caller(r), r.PathValue("projectId"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newLicencesBody(l))
}

func (a *API) putLicences(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Licences *int `json:"licences"`
	}
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if req.Licences == nil {
		writeError(w, r, badRequest("licences is required: the number of active accounts the project may have", FieldError{Field: "licences", Message: "required"}))
		return
	}
	l, err := a.Accounts.SetLicences(r.Context(), caller(r), r.PathValue("projectId"), *req.Licences)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newLicencesBody(l))
}

type accountResultBody struct {
	BaseuserID string `json:"baseuser_ID"`
	Status     string `json:"status"`
	Created    bool   `json:"created"`
	Message    string `json:"message"`
}

func (a *API) putAccounts(w http.ResponseWriter, r *http.Request) {
	body, err := readDataBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	results, err := a.Accounts.Apply(r.Context(), caller(r), r.PathValue("projectId"), body)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]accountResultBody, len(results))
	for i, res := range results {
		out[i] = accountResultBody{BaseuserID: res.Code, Status: string(res.Status), Created: res.Created, Message: res.Message}
	}
	writeJSON(w, http.StatusOK, out)
}

type taskCountsBody struct {
	Read    int `json:"read"`
	Changed int `json:"changed"`
	Skipped int `json:"skipped"`
}

type taskBody struct {
	TaskID     string         `json:"taskId"`
	Code       string         `json:"code"`
	Status     string         `json:"status"`
	CreatedAt  time.Time      `json:"createdAt"`
	StartedAt  *time.Time     `json:"startedAt"`
	FinishedAt *time.Time     `json:"finishedAt"`
	Counts     taskCountsBody `json:"counts"`
	Error      *string        `json:"error"`
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Millisecond)
	return &t
}

func newTaskBody(t task.Task) taskBody {
	return taskBody{
		TaskID: t.ID, Code: t.Code, Status: string(t.Status), CreatedAt: t.CreatedAt.UTC().Truncate(time.Millisecond),
		StartedAt: optionalTime(t.StartedAt), FinishedAt: optionalTime(t.FinishedAt),
		Counts: taskCountsBody{Read: t.Counts.Read, Changed: t.Counts.Changed, Skipped: t.Counts.Skipped},
		Error:  optional(t.Error),
	}
}

func writeTasks(w http.ResponseWriter, tasks []task.Task) {
	out := make([]taskBody, len(tasks))
	for i, t := range tasks {
		out[i] = newTaskBody(t)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) createTasks(w http.ResponseWriter, r *http.Request) {
	body, err := readDataBody(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req []struct {
		Code *string `json:"code"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		writeError(w, r, badRequest(`the body must be a JSON array of tasks: [{"code": "renewSubscriptions"}]`, FieldError{Field: "(body)", Message: "not an array of tasks"}))
		return
	}
	codes := make([]string, len(req))
	for i, t := range req {
		if t.Code == nil {
			field := "[" + strconv.Itoa(i) + "].code"
			writeError(w, r, badRequest(field+" is required", FieldError{Field: field, Message: "required"}))
			return
		}
		codes[i] = *t.Code
	}
	created, err := a.Tasks.Create(r.Context(), caller(r), r.PathValue("projectId"), codes)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeTasks(w, created)
}

func (a *API) listTasks(w http.ResponseWriter, r *http.Request) {
	limit := data.DefaultLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > data.MaxLimit {
			writeError(w, r, badRequest("limit must be an integer from 1 to 1000", FieldError{Field: "limit", Message: "from 1 to 1000"}))
			return
		}
		limit = n
	}
	tasks, next, err := a.Tasks.List(r.Context(), caller(r), r.PathValue("projectId"), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if next != "" {
		w.Header().Set("Next-Cursor", next)
	}
	writeTasks(w, tasks)
}

func (a *API) getTask(w http.ResponseWriter, r *http.Request) {
	t, err := a.Tasks.Get(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("taskId"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newTaskBody(t))
}
