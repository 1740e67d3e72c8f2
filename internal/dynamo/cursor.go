package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/parcelgate/parcelgate/internal/page"
)

// A cursor is the query's LastEvaluatedKey, made opaque. It must hold the
// partition key of the query it is used on: a cursor cannot move a query to
// another partition, let alone to another client's data.
func encodeCursor(last map[string]types.AttributeValue) (string, error) {
	if len(last) == 0 {
		return "", nil
	}
	key := make(map[string]string, len(last))
	for name, v := range last {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("cursor: key attribute %s is not a string", name)
		}
		key[name] = s.Value
	}
	b, err := json.Marshal(key)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

var keyAttributes = map[string]bool{attrPK: true, attrSK: true, attrGSI1PK: true, attrGSI1SK: true}

func decodeCursor(partitionAttr, partition, s string) (map[string]types.AttributeValue, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, page.ErrBadCursor
	}
	var key map[string]string
	if err := json.Unmarshal(b, &key); err != nil || key[partitionAttr] != partition {
		return nil, page.ErrBadCursor
	}
	out := make(map[string]types.AttributeValue, len(key))
	for name, v := range key {
		if !keyAttributes[name] {
			return nil, page.ErrBadCursor
		}
		out[name] = &types.AttributeValueMemberS{Value: v}
	}
	return out, nil
}

// queryPage runs one page of a query, translating a start key that
// DynamoDB refuses (a forged cursor) into page.ErrBadCursor.
func (s *Table) queryPage(ctx context.Context, in *dynamodb.QueryInput, partitionAttr, partition string, req page.Request) ([]map[string]types.AttributeValue, string, error) {
	start, err := decodeCursor(partitionAttr, partition, req.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := req.Limit
	if limit <= 0 || limit > page.MaxLimit {
		limit = page.DefaultLimit
	}
	in.TableName = &s.Name
	in.ExclusiveStartKey = start
	in.Limit = aws.Int32(int32(limit))
	out, err := s.Client.Query(ctx, in)
	if err != nil {
		var ae smithy.APIError
		if start != nil && errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" {
			return nil, "", page.ErrBadCursor
		}
		return nil, "", err
	}
	next, err := encodeCursor(out.LastEvaluatedKey)
	return out.Items, next, err
}
