package dynamo

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/request"
)

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		if len(k) <= maxIndexedKey {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func markerItem(id, clientID string, receivedAt time.Time, expires int64, key string) item {
	return item{
		attrPK:      str(requestPK(id)),
		attrSK:      str(skIndex + key),
		attrGSI2PK:  str(clientGSI2PK(clientID, key)),
		attrGSI2SK:  str(requestGSI2SK(receivedAt, id)),
		"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(expires, 10)},
	}
}

// markerWrites are the puts of keys and the deletes of stale, except
// stale keys that are also put.
func markerWrites(id, clientID string, receivedAt time.Time, expires int64, keys, stale []string) []types.WriteRequest {
	var out []types.WriteRequest
	keep := map[string]bool{}
	for _, k := range keys {
		keep[k] = true
		out = append(out, types.WriteRequest{PutRequest: &types.PutRequest{Item: markerItem(id, clientID, receivedAt, expires, k)}})
	}
	for _, k := range stale {
		if !keep[k] {
			out = append(out, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: item{
				attrPK: str(requestPK(id)), attrSK: str(skIndex + k),
			}}})
		}
	}
	return out
}

// reindex moves a finished request's facet markers from before (the
// facets stored on its item, which its markers were written for) to
// after. A key in both keeps its marker: a final facet's was written with
// the request, so writing it again would only bill the index twice more.
func (s *Table) reindex(ctx context.Context, id, clientID string, receivedAt time.Time, expires int64, before, after []request.Facet) error {
	put, stale := facetKeys(after), facetKeys(before)
	return s.batchWrite(ctx, markerWrites(id, clientID, receivedAt, expires, without(put, stale), without(stale, put)))
}

// facetMarkers returns the keys of a request's facet markers. The read is
// eventually consistent: a marker it could miss or still see is one a
// concurrent finish is moving to the same end, and the puts and deletes
// that follow are idempotent.
func (s *Table) facetMarkers(ctx context.Context, id string) ([]string, error) {
	p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
		TableName:              &s.Name,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(requestPK(id)),
			":sk": str(skIndex + facetKeyPrefix),
		},
		ProjectionExpression: aws.String(attrSK),
	})
	var out []string
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range pg.Items {
			out = append(out, strings.TrimPrefix(getS(it, attrSK), skIndex))
		}
	}
	return out, nil
}

// without is keys less those in drop.
func without(keys, drop []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if !slices.Contains(drop, k) {
			out = append(out, k)
		}
	}
	return out
}
