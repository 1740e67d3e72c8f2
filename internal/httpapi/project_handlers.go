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

func (a *API) createProject(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name *string `json:"name"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return badRequest("name is required", FieldError{Field: "name", Message: "required"})
	}
	m, err := a.Projects.Create(r.Context(), caller(r), *req.Name)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/projects/"+m.Project.ID)
	writeJSON(w, http.StatusCreated, newProjectBody(m))
	return nil
}

func (a *API) listProjects(w http.ResponseWriter, r *http.Request) error {
	req, err := pageRequest(r)
	if err != nil {
		return err
	}
	got, err := a.Projects.List(r.Context(), caller(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPageBody(got, newProjectBody))
	return nil
}

func (a *API) getProject(w http.ResponseWriter, r *http.Request) error {
	m, err := a.Projects.Get(r.Context(), caller(r), r.PathValue("projectId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newProjectBody(m))
	return nil
}

func (a *API) listMembers(w http.ResponseWriter, r *http.Request) error {
	req, err := pageRequest(r)
	if err != nil {
		return err
	}
	got, err := a.Projects.Members(r.Context(), caller(r), r.PathValue("projectId"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPageBody(got, newMemberBody))
	return nil
}

func (a *API) putMember(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Role *string `json:"role"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Role == nil {
		return badRequest("role is required", FieldError{Field: "role", Message: "required: admin, contributor or viewer"})
	}
	m, err := a.Projects.SetMember(r.Context(), caller(r), r.PathValue("projectId"), r.PathValue("principalId"), project.Role(*req.Role))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newMemberBody(m))
	return nil
}
