package httpapi

import (
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/project"
)

type projectBody struct {
	ProjectID string    `json:"projectId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	Role      string    `json:"role"`
}

func newProjectBody(m project.Membership) projectBody {
	return projectBody{ProjectID: m.Project.ID, Name: m.Project.Name, CreatedAt: m.Project.CreatedAt.UTC().Truncate(time.Millisecond), Role: string(m.Role)}
}

type memberBody struct {
	ProjectID   string    `json:"projectId"`
	PrincipalID string    `json:"principalId"`
	Role        string    `json:"role"`
	AddedAt     time.Time `json:"addedAt"`
}

func newMemberBody(m project.Member) memberBody {
	return memberBody{ProjectID: m.ProjectID, PrincipalID: m.PrincipalID, Role: string(m.Role), AddedAt: m.AddedAt.UTC().Truncate(time.Millisecond)}
}

func (a *API) createProject(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name *string `json:"name"`
	}
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if req.Name == nil {
		writeError(w, r, badRequest("name is required", FieldError{Field: "name", Message: "required"}))
		return
	}
	m, err := a.Projects.Create(r.Context(), caller(r), *req.Name)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/projects/"+m.Project.ID)
	writeJSON(w, http.StatusCreated, newProjectBody(m))
}

func (a *API) listProjects(w http.ResponseWriter, r *http.Request) {
	req, err := pageRequest(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	got, err := a.Projects.List(r.Context(), caller(r), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newPageBody(got, newProjectBody))
}

func (a *API) getProject(w http.ResponseWriter, r *http.Request) {
	m, err := a.Projects.Get(r.Context(), caller(r), r.PathValue("projectId"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newProjectBody(m))
}

func (a *API) listMembers(w http.ResponseWriter, r *http.Request) {
	req, err := pageRequest(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	got, err := a.Projects.Members(r.Context(), caller(r), r.PathValue("projectId"), req)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newPageBody(got, newMemberBody))
}

func (a *API) putMember(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Role *string `json:"role"`
	}
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if req.Role == nil {
		writeError(w, r, badRequest("role is required", FieldError{Field: "role", Message: "required: admin, contributor or viewer"}))
		return
	}
	m, err := a.Projects.SetMember(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("principalId"), project.Role(*req.Role))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newMemberBody(m))
}
