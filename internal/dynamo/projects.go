package dynamo

import (
	"context"
	"fmt"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/project"
)

type projectItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	ID        string `dynamodbav:"projectId"`
	ClientID  string `dynamodbav:"clientId"`
	Name      string `dynamodbav:"name"`
	CreatedAt string `dynamodbav:"createdAt"`
	// AssociationShards is fixed here for the project's life (shards.go);
	// items of projects created before it existed have none.
	AssociationShards int `dynamodbav:"associationShards,omitempty"`
	// RecordShards likewise (keys_data.go).
	RecordShards int `dynamodbav:"recordShards,omitempty"`
}

// memberItem repeats its project's name, client and creation time so that
// a principal's projects are listed by one index query.
type memberItem struct {
	PK               string `dynamodbav:"PK"`
	SK               string `dynamodbav:"SK"`
	GSI1PK           string `dynamodbav:"GSI1PK"`
	GSI1SK           string `dynamodbav:"GSI1SK"`
	ProjectID        string `dynamodbav:"projectId"`
	PrincipalID      string `dynamodbav:"principalId"`
	Role             string `dynamodbav:"role"`
	AddedAt          string `dynamodbav:"addedAt"`
	ClientID         string `dynamodbav:"clientId"`
	ProjectName      string `dynamodbav:"projectName"`
	ProjectCreatedAt string `dynamodbav:"projectCreatedAt"`
}

func newMemberItem(p project.Project, m project.Member) memberItem {
	created := sorttime.Format(p.CreatedAt)
	return memberItem{
		PK: projectPK(p.ID), SK: memberSK(m.PrincipalID),
		GSI1PK: principalPK(m.PrincipalID), GSI1SK: membershipGSI1SK(created, p.ID),
		ProjectID: p.ID, PrincipalID: m.PrincipalID, Role: string(m.Role),
		AddedAt: sorttime.Format(m.AddedAt), ClientID: p.ClientID,
		ProjectName: p.Name, ProjectCreatedAt: created,
	}
}

// CreateProject implements project.Store.
func (s *Projects) CreateProject(ctx context.Context, p project.Project, creator project.Member) error {
	pi, err := attributevalue.MarshalMap(projectItem{
		PK: projectPK(p.ID), SK: skProject, ID: p.ID, ClientID: p.ClientID,
		Name: p.Name, CreatedAt: sorttime.Format(p.CreatedAt), AssociationShards: associationShards, RecordShards: recordShards,
	})
	if err != nil {
		return err
	}
	mi, err := attributevalue.MarshalMap(newMemberItem(p, creator))
	if err != nil {
		return err
	}
	_, err = s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.Name, Item: pi, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: &s.Name, Item: mi}},
	}})
	if isConditionFailed(err) {
		return project.ErrExists
	}
	if err == nil {
		s.counts.m.Store(p.ID, layout{associationShards, recordShards})
	}
	return err
}

// Project implements project.Store.
func (s *Projects) Project(ctx context.Context, id string) (project.Project, error) {
	var it projectItem
	found, err := s.get(ctx, projectPK(id), skProject, &it)
	if err != nil {
		return project.Project{}, err
	}
	if !found {
		return project.Project{}, project.ErrNotFound
	}
	created, err := sorttime.Parse(it.CreatedAt)
	if err != nil {
		return project.Project{}, fmt.Errorf("item %s %s: %w", projectPK(id), skProject, err)
	}
	return project.Project{ID: it.ID, ClientID: it.ClientID, Name: it.Name, CreatedAt: created}, nil
}

// Member implements project.Store.
func (s *Projects) Member(ctx context.Context, projectID, principalID string) (project.Member, error) {
	var it memberItem
	found, err := s.get(ctx, projectPK(projectID), memberSK(principalID), &it)
	if err != nil {
		return project.Member{}, err
	}
	if !found {
		return project.Member{}, project.ErrNotFound
	}
	m, _, err := it.decode()
	if err != nil {
		return project.Member{}, err
	}
	return m, nil
}

// PutMember implements project.Store: with a keeper, the new role and the
// keeper's check in one transaction.
func (s *Projects) PutMember(ctx context.Context, p project.Project, m project.Member, keeper string) error {
	item, err := attributevalue.MarshalMap(newMemberItem(p, m))
	if err != nil {
		return err
	}
	if keeper == "" {
		_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Name, Item: item})
		return err
	}
	_, err = s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.Name, Item: item}},
		s.keeperCheck(p.ID, keeper),
	}})
	if cancelledAt(err, 1) || isTransactionConflict(err) {
		return project.ErrLastAdmin
	}
	return err
}

// Members implements project.Store.
func (s *Projects) Members(ctx context.Context, projectID string, req page.Request) (page.Page[project.Member], error) {
	pk := projectPK(projectID)
	items, next, err := s.queryPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: pk},
			":sk": &types.AttributeValueMemberS{Value: skMember},
		},
		ConsistentRead: aws.Bool(true),
	}, attrPK, pk, req)
	if err != nil {
		return page.Page[project.Member]{}, err
	}
	out := page.Page[project.Member]{NextCursor: next, Items: make([]project.Member, 0, len(items))}
	for _, raw := range items {
		var it memberItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return out, err
		}
		m, _, err := it.decode()
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, m)
	}
	return out, nil
}

// Memberships implements project.Store.
func (s *Projects) Memberships(ctx context.Context, principalID string, req page.Request) (page.Page[project.Membership], error) {
	pk := principalPK(principalID)
	items, next, err := s.queryPage(ctx, &dynamodb.QueryInput{
		IndexName:              aws.String(indexGSI1),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: pk},
			":sk": &types.AttributeValueMemberS{Value: skProject},
		},
		ScanIndexForward: aws.Bool(false),
	}, attrGSI1PK, pk, req)
	if err != nil {
		return page.Page[project.Membership]{}, err
	}
	out := page.Page[project.Membership]{NextCursor: next, Items: make([]project.Membership, 0, len(items))}
	for _, raw := range items {
		var it memberItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return out, err
		}
		m, p, err := it.decode()
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, project.Membership{Project: p, Role: m.Role})
	}
	return out, nil
}

func (it memberItem) decode() (project.Member, project.Project, error) {
	at := timesOf(it.PK, it.SK)
	added, created := at.at(it.AddedAt), at.at(it.ProjectCreatedAt)
	if at.err == nil && (added.IsZero() || created.IsZero()) {
		at.err = fmt.Errorf("item %s %s: a time is missing", it.PK, it.SK)
	}
	m := project.Member{ProjectID: it.ProjectID, PrincipalID: it.PrincipalID, Role: project.Role(it.Role), AddedAt: added}
	p := project.Project{ID: it.ProjectID, ClientID: it.ClientID, Name: it.ProjectName, CreatedAt: created}
	return m, p, at.err
}

// RemoveMember implements project.Store: the member's deletion, the
// keeper's check and the audit entry in one transaction.
func (s *Projects) RemoveMember(ctx context.Context, projectID, principalID, keeper string, entry auth.AuditEntry) error {
	audit, err := s.auditPut(entry)
	if err != nil {
		return err
	}
	actions := []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: &s.Name, Key: itemKey(projectPK(projectID), memberSK(principalID)),
			ConditionExpression: aws.String("attribute_exists(PK)")}},
		audit,
	}
	if keeper != "" {
		actions = append(actions, s.keeperCheck(projectID, keeper))
	}
	_, err = s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: actions})
	switch {
	case cancelledAt(err, 0):
		return project.ErrMemberNotFound
	case cancelledAt(err, 2) || isTransactionConflict(err):
		return project.ErrLastAdmin
	}
	return err
}

// keeperCheck is the condition that keeper is an admin of the project when
// a change that could leave it without one is written.
func (s *Projects) keeperCheck(projectID, keeper string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: &s.Name, Key: itemKey(projectPK(projectID), memberSK(keeper)),
		ConditionExpression:       aws.String("#role = :admin"),
		ExpressionAttributeNames:  map[string]string{"#role": "role"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":admin": &types.AttributeValueMemberS{Value: string(project.Admin)}},
	}}
}
