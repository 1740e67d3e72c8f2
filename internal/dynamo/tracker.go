package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/request"
)

// Lookup implements request.Store: a Query on one GSI2 partition of the
// client, over the time range, newest first. Processing is looked up in
// the Queued partition too, a second Query: a message request keeps the markers of its
// queued facets while it is processing (StartRequest), and jobs, or
// requests started by earlier versions, are under Processing. A request
// listed under Queued may therefore be processing: the tracker keeps the
// requests whose own facets match.
func (s *Requests) Lookup(ctx context.Context, clientID string, key request.Key, from, to time.Time, limit int) ([]request.Entry, error) {
	keys := []string{""}
	switch {
	case key.Ref != "":
		keys = []string{RefKey(key.Ref)}
	case key.Facet.Status == request.Processing:
		keys = []string{FacetKey(key.Facet), FacetKey(request.Facet{Type: key.Facet.Type, Status: request.Queued})}
	case key.Facet != (request.Facet{}):
		keys = []string{FacetKey(key.Facet)}
	}
	lower := "0"
	if !from.IsZero() {
		lower = sorttime.Format(from)
	}
	upper := "9"
	if !to.IsZero() {
		upper = sorttime.Format(to)
	}
	var sks []string
	for _, k := range keys {
		found, err := s.lookup(ctx, clientGSI2PK(clientID, k), lower, upper, limit)
		if err != nil {
			return nil, err
		}
		sks = append(sks, found...)
	}
	// Newest first across the partitions, each request once.
	slices.SortFunc(sks, func(a, b string) int { return strings.Compare(b, a) })
	sks = slices.Compact(sks)
	out := make([]request.Entry, 0, min(len(sks), limit))
	for _, sk := range sks[:min(len(sks), limit)] {
		at, id, _ := strings.Cut(sk, "#")
		received, err := parseTime(at)
		if err != nil {
			return nil, fmt.Errorf("tracker index entry %s: %w", sk, err)
		}
		out = append(out, request.Entry{ID: id, ReceivedAt: received})
	}
	return out, nil
}

// lookup returns the sort keys (<receivedAt>#<id>) of up to limit entries
// of one GSI2 partition in [lower, upper), newest first.
func (s *Requests) lookup(ctx context.Context, pk, lower, upper string, limit int) ([]string, error) {
	p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
		TableName:              &s.Name,
		IndexName:              aws.String(indexGSI2),
		KeyConditionExpression: aws.String("GSI2PK = :pk AND GSI2SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk),
			":lo": str(lower),
			":hi": str(upper),
		},
		ScanIndexForward: aws.Bool(false),
		// Only the keys: the requests are read afterwards, once.
		ProjectionExpression: aws.String("GSI2SK"),
	})
	var out []string
	for p.HasMorePages() && len(out) < limit {
		pg, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, raw := range pg.Items {
			sk, _ := raw[attrGSI2SK].(*types.AttributeValueMemberS)
			if sk == nil {
				continue
			}
			if at, _, ok := strings.Cut(sk.Value, "#"); !ok || at >= upper {
				continue // BETWEEN includes the upper bound; the range does not
			}
			out = append(out, sk.Value)
		}
	}
	return out, nil
}

// Requests implements request.Store.
func (s *Requests) Requests(ctx context.Context, ids []string) ([]request.Request, error) {
	keys := make([]item, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] && id != "" && len(id) <= 128 {
			seen[id] = true
			keys = append(keys, requestKey(id))
		}
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]request.Request, 0, len(items))
	for _, raw := range items {
		r, ok, err := requestOf(raw)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// requestOf reads a request item of either kind; a job is seen as the
// job package maps it.
func requestOf(raw item) (request.Request, bool, error) {
	kind, _ := raw["kind"].(*types.AttributeValueMemberS)
	if kind == nil {
		return request.Request{}, false, nil
	}
	switch request.Kind(kind.Value) {
	case request.KindJob:
		var it jobItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return request.Request{}, false, err
		}
		j, err := it.job()
		return j.Request(), err == nil, err
	case request.KindMessages:
		var it requestItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return request.Request{}, false, err
		}
		r, err := it.request()
		return r, err == nil, err
	}
	return request.Request{}, false, nil
}

// RequestMessages implements request.Store: a message request's outcomes
// once saved, else its messages as received; a job's numbers, from its
// results once it has its report, else from its submission.
func (s *Requests) RequestMessages(ctx context.Context, r request.Request) ([]request.Message, error) {
	if r.Kind == request.KindJob {
		j, err := s.jobs.Job(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		var items []job.Item
		var results []job.Result
		if j.Status == job.Completed {
			results, err = s.jobs.Results(ctx, j)
		} else {
			items, err = s.jobs.Items(ctx, j)
		}
		if err != nil {
			return nil, err
		}
		return job.RequestMessages(j, items, results), nil
	}
	msgs, err := s.Outcomes(ctx, r)
	if err == nil && len(msgs) == 0 {
		msgs, err = s.Messages(ctx, r)
	}
	return msgs, err
}
