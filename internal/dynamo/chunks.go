package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// readChunks reads a request's chunk items of one kind, C, and returns
// their entries in order.
func readChunks[C, T any](ctx context.Context, s *Table, id, prefix string, entries func(C) []T) ([]T, error) {
	chunks, err := s.chunks(ctx, id, prefix)
	if err != nil {
		return nil, err
	}
	var out []T
	for _, raw := range chunks {
		var c C
		if err := attributevalue.UnmarshalMap(raw, &c); err != nil {
			return nil, err
		}
		out = append(out, entries(c)...)
	}
	return out, nil
}

// chunks reads a request's chunk items of one kind, in order.
func (s *Table) chunks(ctx context.Context, id, prefix string) ([]item, error) {
	var out []item
	p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
		TableName:              &s.Name,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: requestPK(id)},
			":sk": &types.AttributeValueMemberS{Value: prefix},
		},
		ConsistentRead: aws.Bool(true),
	})
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Items...)
	}
	return out, nil
}
