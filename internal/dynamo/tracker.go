package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tracker"
)

var _ tracker.Store = (*Store)(nil)

// Lookup implements tracker.Store: one Query on one GSI2 partition of the
// client, over the time range, newest first.
func (s *Store) Lookup(ctx context.Context, clientID string, key tracker.Key, from, to time.Time, limit int) ([]tracker.Entry, error) {
	indexKey := ""
	switch {
	case key.Ref != "":
		indexKey = RefKey(key.Ref)
	case key.Facet != (request.Facet{}):
		indexKey = FacetKey(key.Facet)
	}
	lower := "0"
	if !from.IsZero() {
		lower = from.UTC().Format(timeLayout)
	}
	upper := "9"
	if !to.IsZero() {
		upper = to.UTC().Format(timeLayout)
	}
	p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
		TableName:              &s.Table,
		IndexName:              aws.String(indexGSI2),
		KeyConditionExpression: aws.String("GSI2PK = :pk AND GSI2SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(clientGSI2PK(clientID, indexKey)),
			":lo": str(lower),
			":hi": str(upper),
		},
		ScanIndexForward: aws.Bool(false),
		// Only the keys: the requests are read afterwards, once.
		ProjectionExpression: aws.String("GSI2SK"),
	})
	var out []tracker.Entry
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
			at, id, ok := strings.Cut(sk.Value, "#")
			if !ok || (!to.IsZero() && at >= upper) {
				continue // BETWEEN includes the upper bound; the range does not
			}
			out = append(out, tracker.Entry{ID: id, ReceivedAt: parseTime(at)})
		}
	}
	return out, nil
}

// Requests implements tracker.Store.
func (s *Store) Requests(ctx context.Context, ids []string) ([]tracker.Request, error) {
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
	out := make([]tracker.Request, 0, len(items))
	for _, raw := range items {
		r, ok, err := trackerRequest(raw)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// trackerRequest reads a request item of either kind.
func trackerRequest(raw item) (tracker.Request, bool, error) {
	kind, _ := raw["kind"].(*types.AttributeValueMemberS)
	if kind == nil {
		return tracker.Request{}, false, nil
	}
	switch kind.Value {
	case "job":
		var it jobItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return tracker.Request{}, false, err
		}
		j := it.job()
		return tracker.Request{
			ID: j.ID, Job: true, ClientID: j.ClientID, BatchReference: j.ExternalReference, ReceivedAt: j.CreatedAt,
			ProcessedAt: j.CompletedAt, ExpiresAt: j.ExpiresAt, Summary: j.Summary(), Facets: j.Facets(),
		}, true, nil
	case "messages":
		var it requestItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return tracker.Request{}, false, err
		}
		r := it.request()
		return tracker.Request{
			ID: r.ID, ClientID: r.ClientID, BatchReference: r.BatchReference, ReceivedAt: r.ReceivedAt,
			ProcessedAt: r.ProcessedAt, ExpiresAt: r.ExpiresAt, Summary: r.Summary, Facets: r.Facets,
		}, true, nil
	}
	return tracker.Request{}, false, nil
}

// RequestMessages implements tracker.Store: a message request's outcomes once it
// is finished, else its messages as received; a job's numbers.
func (s *Store) RequestMessages(ctx context.Context, r tracker.Request) ([]tracker.Message, error) {
	if r.Job {
		j, err := s.Job(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		return s.jobMessages(ctx, j)
	}
	mr := message.Request{ID: r.ID}
	msgs, err := s.Outcomes(ctx, mr)
	if err == nil && len(msgs) == 0 {
		msgs, err = s.Messages(ctx, mr)
	}
	if err != nil {
		return nil, err
	}
	out := make([]tracker.Message, len(msgs))
	for i, m := range msgs {
		status := m.Status
		if status == request.Queued && r.Summary.Processing > 0 {
			status = request.Processing
		}
		out[i] = tracker.Message{ID: m.ID, ExternalReference: m.ExternalReference, Type: m.Type, Status: status, ProcessedAt: m.ProcessedAt, Errors: m.Errors}
	}
	return out, nil
}

// jobMessages shows a job's numbers as messages: the results once it is
// COMPLETED, else the submitted numbers in the job's state.
func (s *Store) jobMessages(ctx context.Context, j job.Job) ([]tracker.Message, error) {
	id := func(i int) string { return fmt.Sprintf("%s-%d", j.ID, i+1) }
	if j.Status == job.Completed {
		results, err := s.Results(ctx, j)
		if err != nil {
			return nil, err
		}
		out := make([]tracker.Message, len(results))
		for i, r := range results {
			m := tracker.Message{ID: id(i), ExternalReference: r.TrackingNumber, Type: job.MessageType, Status: r.Outcome.MessageStatus(), ProcessedAt: j.CompletedAt}
			if m.Status != request.Complete && r.Message != "" {
				m.Errors = []string{r.Message}
			}
			out[i] = m
		}
		return out, nil
	}
	items, err := s.Items(ctx, j)
	if err != nil {
		return nil, err
	}
	status := j.Summary().Status()
	out := make([]tracker.Message, len(items))
	for i, it := range items {
		out[i] = tracker.Message{ID: id(i), ExternalReference: it.TrackingNumber, Type: job.MessageType, Status: status, ProcessedAt: j.CompletedAt}
		if status == request.Failed || status == request.Cancelled {
			out[i].Errors = []string{j.Messages()[0].Text}
		}
	}
	return out, nil
}
