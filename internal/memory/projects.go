package memory

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
)

var _ project.Store = (*Projects)(nil)

// Projects implements project.Store in memory.
type Projects struct {
	// Principals is where PrincipalClient looks; nil knows no principal.
	Principals *Principals

	mu       sync.Mutex
	projects map[string]project.Project
	// members holds each project's members by principal. A member keeps
	// the project as it was given with it, as the DynamoDB member item
	// repeats it, and Memberships reads that copy.
	members map[string]map[string]projectMember
}

type projectMember struct {
	member  project.Member
	project project.Project
}

// CreateProject implements project.Store.
func (s *Projects) CreateProject(_ context.Context, p project.Project, creator project.Member) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.projects[p.ID]; ok {
		return project.ErrExists
	}
	if s.projects == nil {
		s.projects = map[string]project.Project{}
	}
	p.CreatedAt = p.CreatedAt.UTC()
	s.projects[p.ID] = p
	s.putMember(p, creator)
	return nil
}

// Project implements project.Store.
func (s *Projects) Project(_ context.Context, id string) (project.Project, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.projects[id]
	if !ok {
		return project.Project{}, project.ErrNotFound
	}
	return p, nil
}

// Member implements project.Store.
func (s *Projects) Member(_ context.Context, projectID, principalID string) (project.Member, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.members[projectID][principalID]
	if !ok {
		return project.Member{}, project.ErrNotFound
	}
	return m.member, nil
}

// PutMember implements project.Store.
func (s *Projects) PutMember(_ context.Context, p project.Project, m project.Member, keeper string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.isKeeper(p.ID, keeper) {
		return project.ErrLastAdmin
	}
	s.putMember(p, m)
	return nil
}

func (s *Projects) putMember(p project.Project, m project.Member) {
	if s.members == nil {
		s.members = map[string]map[string]projectMember{}
	}
	if s.members[p.ID] == nil {
		s.members[p.ID] = map[string]projectMember{}
	}
	p.CreatedAt = p.CreatedAt.UTC()
	// The member item is keyed by the project it is stored with.
	m.ProjectID = p.ID
	m.AddedAt = m.AddedAt.UTC()
	s.members[p.ID][m.PrincipalID] = projectMember{member: m, project: p}
}

// Members implements project.Store: in principal id order.
func (s *Projects) Members(_ context.Context, projectID string, req page.Request) (page.Page[project.Member], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	members := s.members[projectID]
	keys := make([]string, 0, len(members))
	for id := range members {
		keys = append(keys, id)
	}
	slices.Sort(keys)
	got, next, err := partitionPage("members/"+projectID, keys, false, req)
	if err != nil {
		return page.Page[project.Member]{}, err
	}
	out := page.Page[project.Member]{NextCursor: next, Items: make([]project.Member, 0, len(got))}
	for _, id := range got {
		out.Items = append(out.Items, members[id].member)
	}
	return out, nil
}

// Memberships implements project.Store: newest project first.
func (s *Projects) Memberships(_ context.Context, principalID string, req page.Request) (page.Page[project.Membership], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The sort key is DynamoDB's: the project's creation time, then its id.
	byKey := map[string]projectMember{}
	for _, members := range s.members {
		if m, ok := members[principalID]; ok {
			byKey[membershipKey(m.project)] = m
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Reverse(keys)
	got, next, err := partitionPage("memberships/"+principalID, keys, true, req)
	if err != nil {
		return page.Page[project.Membership]{}, err
	}
	out := page.Page[project.Membership]{NextCursor: next, Items: make([]project.Membership, 0, len(got))}
	for _, k := range got {
		m := byKey[k]
		out.Items = append(out.Items, project.Membership{Project: m.project, Role: m.member.Role})
	}
	return out, nil
}

// membershipKey orders memberships as time order of their projects'
// creation: a fixed-width UTC time, then the id.
func membershipKey(p project.Project) string {
	return sorttime.Format(p.CreatedAt) + "#" + p.ID
}

// PrincipalClient implements project.Store.
func (s *Projects) PrincipalClient(ctx context.Context, principalID string) (string, error) {
	if s.Principals == nil {
		return "", project.ErrPrincipalNotFound
	}
	p, err := s.Principals.Principal(ctx, principalID)
	if errors.Is(err, auth.ErrPrincipalNotFound) || (err == nil && p.Deleted) {
		return "", project.ErrPrincipalNotFound
	}
	return p.ClientID, err
}

// RemoveMember implements project.Store. The audit entry goes to
// Principals, which keeps the audit log; nil keeps none.
func (s *Projects) RemoveMember(_ context.Context, projectID, principalID, keeper string, entry auth.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	members := s.members[projectID]
	if _, ok := members[principalID]; !ok {
		return project.ErrMemberNotFound
	}
	if !s.isKeeper(projectID, keeper) {
		return project.ErrLastAdmin
	}
	delete(members, principalID)
	if s.Principals != nil {
		s.Principals.mu.Lock()
		defer s.Principals.mu.Unlock()
		s.Principals.appendAudit(entry)
	}
	return nil
}

// isKeeper reports whether keeper, when set, is an admin of the project;
// the caller holds s.mu.
func (s *Projects) isKeeper(projectID, keeper string) bool {
	k, ok := s.members[projectID][keeper]
	return keeper == "" || (ok && k.member.Role == project.Admin)
}
