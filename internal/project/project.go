// Package project holds projects, their members and the roles that decide
// who may read a project and who may submit work to it.
package project

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/page"
)

// Errors of the project domain.
var (
	// ErrNotFound covers unknown projects and projects the caller may not
	// see: another client's project must be indistinguishable from none.
	ErrNotFound          = errors.New("project not found")
	ErrPrincipalNotFound = errors.New("principal not found")
	ErrForbidden         = errors.New("role does not allow this")
	ErrExists            = errors.New("project already exists")
	ErrMemberNotFound    = errors.New("member not found")
	// ErrLastAdmin keeps a project from losing its last admin.
	ErrLastAdmin = errors.New("the project's last admin cannot be removed or demoted")
)

// Role is a principal's role in a project.
type Role string

// Roles, from most to least powerful.
const (
	Admin       Role = "admin"
	Contributor Role = "contributor"
	Viewer      Role = "viewer"
)

// ParseRole reads a role name.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case Admin, Contributor, Viewer:
		return r, true
	}
	return "", false
}

// CanRead reports whether the role may read the project and its jobs.
func (r Role) CanRead() bool { return r == Admin || r == Contributor || r == Viewer }

// CanSubmit reports whether the role may submit tracking-number jobs.
func (r Role) CanSubmit() bool { return r == Admin || r == Contributor }

// CanManage reports whether the role may change members.
func (r Role) CanManage() bool { return r == Admin }

// Project is a set of subscribed tracking numbers owned by one client.
type Project struct {
	ID        string
	ClientID  string
	Name      string
	CreatedAt time.Time
}

// Member is a principal's role in a project.
type Member struct {
	ProjectID   string
	PrincipalID string
	Role        Role
	AddedAt     time.Time
}

// Membership is a project seen by one of its members.
type Membership struct {
	Project Project
	Role    Role
}

// Caller is the verified principal making a request.
type Caller struct {
	ClientID    string
	PrincipalID string
}

// Store persists projects and members.
type Store interface {
	// CreateProject stores p with creator as its first member, atomically.
	CreateProject(ctx context.Context, p Project, creator Member) error
	// Project returns the project or ErrNotFound.
	Project(ctx context.Context, id string) (Project, error)
	// Member returns the member or ErrNotFound.
	Member(ctx context.Context, projectID, principalID string) (Member, error)
	// PutMember stores m; p is the member's project, which member items
	// repeat so a principal's projects list in one query. It fails with
	// ErrLastAdmin if keeper, when set, is not at that moment an admin.
	PutMember(ctx context.Context, p Project, m Member, keeper string) error
	Members(ctx context.Context, projectID string, req page.Request) (page.Page[Member], error)
	// Memberships lists the projects principalID belongs to.
	Memberships(ctx context.Context, principalID string, req page.Request) (page.Page[Membership], error)
	// PrincipalClient returns the client a principal belongs to, or
	// ErrPrincipalNotFound (also for a deleted credential).
	PrincipalClient(ctx context.Context, principalID string) (string, error)
	// RemoveMember deletes a member, with entry in its client's audit
	// log, failing with ErrMemberNotFound if it is not one and with
	// ErrLastAdmin if keeper, when set, is not at that moment an admin.
	RemoveMember(ctx context.Context, projectID, principalID, keeper string, entry auth.AuditEntry) error
}

const maxNameLength = 200

// Service applies the project rules.
type Service struct {
	Store Store
	Now   func() time.Time
	NewID func() string
	// Memberships, when set, keeps the memberships Authorize read for
	// MembershipBound; nil reads them on every request.
	Memberships *Memberships
}

// Create makes a project of the caller's client with the caller as admin.
func (s Service) Create(ctx context.Context, c Caller, name string) (Membership, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxNameLength {
		return Membership{}, &input.Error{Field: "name", Message: "must be 1 to 200 characters", Kind: input.Rejected, Labelled: true}
	}
	now := s.Now().UTC()
	p := Project{ID: s.NewID(), ClientID: c.ClientID, Name: name, CreatedAt: now}
	m := Member{ProjectID: p.ID, PrincipalID: c.PrincipalID, Role: Admin, AddedAt: now}
	if err := s.Store.CreateProject(ctx, p, m); err != nil {
		return Membership{}, err
	}
	return Membership{Project: p, Role: Admin}, nil
}

// Authorize returns the caller's membership of projectID if the caller's
// role satisfies allowed. A project of another client, or one the caller is
// not a member of, is ErrNotFound; a member whose role falls short gets
// ErrForbidden.
func (s Service) Authorize(ctx context.Context, c Caller, projectID string, allowed func(Role) bool) (Membership, error) {
	ms, err := s.Memberships.read(ctx, s.Store, projectID, c.PrincipalID, s.Now())
	if err != nil {
		return Membership{}, err
	}
	if ms.Project.ClientID != c.ClientID {
		return Membership{}, ErrNotFound
	}
	if !allowed(ms.Role) {
		return Membership{}, ErrForbidden
	}
	return ms, nil
}

// Get returns a project the caller may read.
func (s Service) Get(ctx context.Context, c Caller, projectID string) (Membership, error) {
	return s.Authorize(ctx, c, projectID, Role.CanRead)
}

// List returns the caller's projects.
func (s Service) List(ctx context.Context, c Caller, req page.Request) (page.Page[Membership], error) {
	got, err := s.Store.Memberships(ctx, c.PrincipalID, req)
	if err != nil {
		return got, err
	}
	// Memberships are written only within the member's own client; the
	// filter makes that an enforced rule rather than an assumption.
	mine := got.Items[:0]
	for _, m := range got.Items {
		if m.Project.ClientID == c.ClientID {
			mine = append(mine, m)
		}
	}
	got.Items = mine
	return got, nil
}

// Roles returns up to limit of a principal's project roles, for the
// informative roles claim of its tokens.
func (s Service) Roles(ctx context.Context, principalID string, limit int) (map[string]Role, error) {
	got, err := s.Store.Memberships(ctx, principalID, page.Request{Limit: limit})
	if err != nil {
		return nil, err
	}
	roles := make(map[string]Role, len(got.Items))
	for _, m := range got.Items {
		roles[m.Project.ID] = m.Role
	}
	return roles, nil
}

// Members lists a project's members for a caller who may read it.
func (s Service) Members(ctx context.Context, c Caller, projectID string, req page.Request) (page.Page[Member], error) {
	if _, err := s.Get(ctx, c, projectID); err != nil {
		return page.Page[Member]{}, err
	}
	return s.Store.Members(ctx, projectID, req)
}

// SetMember gives principalID the role in the project; only admins may.
// The principal must belong to the caller's client: a project never
// crosses tenants. An admin cannot change their own role, so a project
// always keeps the admin who could undo a mistake. Demoting an admin obeys
// the rule of removal: another admin must still be one when the new role
// is written, so two admins demoting each other at once cannot both
// succeed.
func (s Service) SetMember(ctx context.Context, c Caller, projectID, principalID string, role Role) (Member, error) {
	if _, ok := ParseRole(string(role)); !ok {
		return Member{}, &input.Error{Field: "role", Message: "must be admin, contributor or viewer", Kind: input.Rejected, Labelled: true}
	}
	ms, err := s.Authorize(ctx, c, projectID, Role.CanManage)
	if err != nil {
		return Member{}, err
	}
	if principalID == c.PrincipalID && role != Admin {
		return Member{}, &input.Error{Field: "principalId", Message: "an admin cannot lower their own role; ask another admin", Kind: input.Rejected, Labelled: true}
	}
	client, err := s.Store.PrincipalClient(ctx, principalID)
	if errors.Is(err, ErrPrincipalNotFound) || (err == nil && client != c.ClientID) {
		return Member{}, ErrPrincipalNotFound
	}
	if err != nil {
		return Member{}, err
	}
	m := Member{ProjectID: projectID, PrincipalID: principalID, Role: role, AddedAt: s.Now().UTC()}
	keeper := ""
	if old, err := s.Store.Member(ctx, projectID, principalID); err == nil {
		m.AddedAt = old.AddedAt
		if old.Role == Admin && role != Admin {
			if keeper, err = s.otherAdmin(ctx, projectID, principalID, c.PrincipalID); err != nil {
				return Member{}, err
			}
		}
	} else if !errors.Is(err, ErrNotFound) {
		return Member{}, err
	}
	err = s.Store.PutMember(ctx, ms.Project, m, keeper)
	s.Memberships.forget(projectID, principalID)
	if err != nil {
		return Member{}, err
	}
	return m, nil
}

// RemoveMember takes principalID out of the project; only admins may. The
// project keeps at least one admin: removing an admin names another who
// must still be one when the removal is written, so two admins removing
// each other at once cannot both succeed. The removed principal's tokens
// lose the project at once in this process, and within MembershipBound in
// the others (Memberships).
func (s Service) RemoveMember(ctx context.Context, c Caller, projectID, principalID string) error {
	if _, err := s.Authorize(ctx, c, projectID, Role.CanManage); err != nil {
		return err
	}
	m, err := s.Store.Member(ctx, projectID, principalID)
	if errors.Is(err, ErrNotFound) {
		return ErrMemberNotFound
	}
	if err != nil {
		return err
	}
	keeper := ""
	if m.Role == Admin {
		if keeper, err = s.otherAdmin(ctx, projectID, principalID, c.PrincipalID); err != nil {
			return err
		}
	}
	entry := auth.AuditEntry{At: s.Now().UTC(), ClientID: c.ClientID, By: c.PrincipalID, Action: auth.ActionMemberRemoved, Subject: principalID, ProjectID: projectID}
	err = s.Store.RemoveMember(ctx, projectID, principalID, keeper, entry)
	// Forgotten whatever the outcome: a write that failed may still have
	// been applied.
	s.Memberships.forget(projectID, principalID)
	return err
}

// otherAdmin names an admin of the project other than removed (or
// demoted): the caller if it can, or ErrLastAdmin if there is none.
func (s Service) otherAdmin(ctx context.Context, projectID, removed, caller string) (string, error) {
	if caller != removed {
		return caller, nil
	}
	req := page.Request{Limit: page.MaxLimit}
	for {
		got, err := s.Store.Members(ctx, projectID, req)
		if err != nil {
			return "", err
		}
		for _, m := range got.Items {
			if m.PrincipalID != removed && m.Role == Admin {
				return m.PrincipalID, nil
			}
		}
		if got.NextCursor == "" {
			return "", ErrLastAdmin
		}
		req.Cursor = got.NextCursor
	}
}
