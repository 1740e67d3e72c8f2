package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/parcelgate/parcelgate/internal/account"
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

func (a *API) getLicences(w http.ResponseWriter, r *http.Request) error {
	l, err := a.Accounts.Licences(r.Context(), caller(r), r.PathValue("projectId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newLicencesBody(l))
	return nil
}

func (a *API) putLicences(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Licences *int `json:"licences"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Licences == nil {
		return badRequest("licences is required: the number of active accounts the project may have", FieldError{Field: "licences", Message: "required"})
	}
	l, err := a.Accounts.SetLicences(r.Context(), caller(r), r.PathValue("projectId"), *req.Licences)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newLicencesBody(l))
	return nil
}

type accountResultBody struct {
	BaseuserID string `json:"baseuser_ID"`
	Status     string `json:"status"`
	Created    bool   `json:"created"`
	Message    string `json:"message"`
}

func (a *API) putAccounts(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, dataBody...)
	if err != nil {
		return err
	}
	results, err := a.Accounts.Apply(r.Context(), caller(r), r.PathValue("projectId"), body)
	if err != nil {
		return err
	}
	out := make([]accountResultBody, len(results))
	for i, res := range results {
		out[i] = accountResultBody{BaseuserID: res.Code, Status: string(res.Status), Created: res.Created, Message: res.Message}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
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

func (a *API) createTasks(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r, dataBody...)
	if err != nil {
		return err
	}
	var req []struct {
		Code *string `json:"code"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		return badRequest(`the body must be a JSON array of tasks: [{"code": "renewSubscriptions"}]`, FieldError{Field: "(body)", Message: "not an array of tasks"})
	}
	codes := make([]string, len(req))
	for i, t := range req {
		if t.Code == nil {
			field := "[" + strconv.Itoa(i) + "].code"
			return badRequest(field+" is required", FieldError{Field: field, Message: "required"})
		}
		codes[i] = *t.Code
	}
	created, err := a.Tasks.Create(r.Context(), caller(r), r.PathValue("projectId"), codes)
	if err != nil {
		return err
	}
	writeTasks(w, created)
	return nil
}

func (a *API) listTasks(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryLimit(r, dataLimits)
	if err != nil {
		return err
	}
	tasks, next, err := a.Tasks.List(r.Context(), caller(r), r.PathValue("projectId"), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	if next != "" {
		w.Header().Set("Next-Cursor", next)
	}
	writeTasks(w, tasks)
	return nil
}

func (a *API) getTask(w http.ResponseWriter, r *http.Request) error {
	t, err := a.Tasks.Get(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("taskId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newTaskBody(t))
	return nil
}
