package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/page"
)

var _ job.Store = (*Jobs)(nil)

// jobItem is a tracking-number job, stored as a request of kind "job".
type jobItem struct {
	PK                string     `dynamodbav:"PK"`
	SK                string     `dynamodbav:"SK"`
	GSI1PK            string     `dynamodbav:"GSI1PK"`
	GSI1SK            string     `dynamodbav:"GSI1SK"`
	GSI2PK            string     `dynamodbav:"GSI2PK"`
	GSI2SK            string     `dynamodbav:"GSI2SK"`
	GSI3PK            string     `dynamodbav:"GSI3PK,omitempty"`
	GSI3SK            string     `dynamodbav:"GSI3SK,omitempty"`
	Requeues          int        `dynamodbav:"requeues,omitempty"`
	Kind              string     `dynamodbav:"kind"`
	ID                string     `dynamodbav:"id"`
	ProjectID         string     `dynamodbav:"projectId"`
	ClientID          string     `dynamodbav:"clientId"`
	PrincipalID       string     `dynamodbav:"principalId"`
	Action            string     `dynamodbav:"action"`
	Status            string     `dynamodbav:"status"`
	ExternalReference string     `dynamodbav:"externalReference,omitempty"`
	CreatedAt         string     `dynamodbav:"createdAt"`
	StartedAt         string     `dynamodbav:"startedAt,omitempty"`
	CompletedAt       string     `dynamodbav:"completedAt,omitempty"`
	ExpiresAt         int64      `dynamodbav:"expiresAt"`
	Counts            countsAttr `dynamodbav:"counts"`
	FailureReason     string     `dynamodbav:"failureReason,omitempty"`
	IdempotencyKey    string     `dynamodbav:"idempotencyKey,omitempty"`
	BodyHash          string     `dynamodbav:"bodyHash"`
}

// countsAttr is a job's job.Counts as stored.
type countsAttr struct {
	Total         int `dynamodbav:"total"`
	Added         int `dynamodbav:"added"`
	Renewed       int `dynamodbav:"renewed"`
	Removed       int `dynamodbav:"removed"`
	Invalid       int `dynamodbav:"invalid"`
	Duplicate     int `dynamodbav:"duplicate"`
	NotAssociated int `dynamodbav:"notAssociated"`
	Failed        int `dynamodbav:"failed"`
}

// itemAttr is a submitted job.Item as stored.
type itemAttr struct {
	TrackingNumber string `dynamodbav:"n"`
	Carrier        string `dynamodbav:"c,omitempty"`
}

// resultAttr is a job.Result as stored.
type resultAttr struct {
	TrackingNumber string `dynamodbav:"n"`
	Carrier        string `dynamodbav:"c,omitempty"`
	Outcome        string `dynamodbav:"o"`
	Message        string `dynamodbav:"m,omitempty"`
}

type itemsChunk struct {
	PK        string     `dynamodbav:"PK"`
	SK        string     `dynamodbav:"SK"`
	Items     []itemAttr `dynamodbav:"items"`
	ExpiresAt int64      `dynamodbav:"expiresAt"`
}

type resultsChunk struct {
	PK        string       `dynamodbav:"PK"`
	SK        string       `dynamodbav:"SK"`
	Results   []resultAttr `dynamodbav:"results"`
	ExpiresAt int64        `dynamodbav:"expiresAt"`
}

type idempotencyItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	JobID     string `dynamodbav:"jobId"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func newJobItem(j job.Job) jobItem {
	created := formatTime(j.CreatedAt)
	var sweepPK, sweepSK string
	if j.Status.Open() {
		sweepPK, sweepSK = sweepKeys(j.ID, j.SweepAt)
	}
	return jobItem{
		GSI3PK: sweepPK, GSI3SK: sweepSK, Requeues: j.Requeues,
		PK: requestPK(j.ID), SK: skRequest,
		GSI1PK: projectJobsGSI1PK(j.ProjectID), GSI1SK: jobGSI1SK(created, j.ID),
		GSI2PK: clientGSI2PK(j.ClientID, ""), GSI2SK: requestGSI2SK(j.CreatedAt, j.ID),
		Kind: "job", ID: j.ID, ProjectID: j.ProjectID, ClientID: j.ClientID, PrincipalID: j.PrincipalID,
		Action: string(j.Action), Status: string(j.Status), ExternalReference: j.ExternalReference,
		CreatedAt: created, StartedAt: formatTime(j.StartedAt), CompletedAt: formatTime(j.CompletedAt),
		ExpiresAt: j.ExpiresAt.Unix(), Counts: countsAttr(j.Counts), FailureReason: j.FailureReason,
		IdempotencyKey: j.IdempotencyKey, BodyHash: j.BodyHash,
	}
}

func (it jobItem) job() (job.Job, error) {
	at := timesOf(it.PK, it.SK)
	return job.Job{
		ID: it.ID, ProjectID: it.ProjectID, ClientID: it.ClientID, PrincipalID: it.PrincipalID,
		Action: job.Action(it.Action), Status: job.Status(it.Status), ExternalReference: it.ExternalReference,
		CreatedAt: at.at(it.CreatedAt), StartedAt: at.at(it.StartedAt), CompletedAt: at.at(it.CompletedAt),
		ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(), Counts: job.Counts(it.Counts), FailureReason: it.FailureReason,
		IdempotencyKey: it.IdempotencyKey, BodyHash: it.BodyHash,
		SweepAt: sweepDue(at, it.GSI3SK), Requeues: it.Requeues,
	}, at.err
}

// CreateJob implements job.Store: the job, its numbers and its
// idempotency key in one transaction, or, without a key, with the job
// item written last (createUnkeyed), so no half-written job is read.
func (s *Jobs) CreateJob(ctx context.Context, j job.Job, items []job.Item) error {
	expires := j.ExpiresAt.Unix()
	var writes []types.TransactWriteItem
	if j.IdempotencyKey != "" {
		w, err := put(s.Name, idempotencyItem{PK: idempotencyPK(j.ClientID, j.ProjectID, j.IdempotencyKey), SK: skIdempotency, JobID: j.ID, ExpiresAt: expires}, "attribute_not_exists(PK)")
		if err != nil {
			return err
		}
		writes = append(writes, w)
	}
	w, err := put(s.Name, newJobItem(j), "attribute_not_exists(PK)")
	if err != nil {
		return err
	}
	writes = append(writes, w)
	for i := 0; i*chunkSize < len(items); i++ {
		chunk := make([]itemAttr, 0, chunkSize)
		for _, it := range items[i*chunkSize : min((i+1)*chunkSize, len(items))] {
			chunk = append(chunk, itemAttr(it))
		}
		w, err := put(s.Name, itemsChunk{PK: requestPK(j.ID), SK: chunkSK(skInputChunk, i), Items: chunk, ExpiresAt: expires}, "")
		if err != nil {
			return err
		}
		writes = append(writes, w)
	}
	// The tracker's markers join the transaction: at most 3, so a job of
	// 1,000 numbers stays within 10 items.
	for _, m := range markerWrites(j.ID, j.ClientID, j.CreatedAt, expires, append(facetKeys(j.Facets()), refKeys([]string{j.ExternalReference})...), nil) {
		writes = append(writes, types.TransactWriteItem{Put: &types.Put{TableName: &s.Name, Item: m.PutRequest.Item}})
	}
	if j.IdempotencyKey == "" {
		return s.createUnkeyed(ctx, writes)
	}
	_, err = s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	if cancelledAt(err, 0) {
		return job.ErrKeyTaken
	}
	return err
}

// createUnkeyed stores a job without an idempotency key (writes: the job
// item first, then what hangs from it) without a transaction, which
// would bill each item twice: what the job item points to goes first in
// plain batch writes, the job item last. A crash in between leaves
// items no read reaches (input chunks are read through their job, and
// the tracker skips a marker whose request is not stored), which expire
// with the job. A keyed job stays one transaction, so that a replayed
// key stores nothing.
func (s *Jobs) createUnkeyed(ctx context.Context, writes []types.TransactWriteItem) error {
	var rest []types.WriteRequest
	for _, w := range writes[1:] {
		rest = append(rest, types.WriteRequest{PutRequest: &types.PutRequest{Item: w.Put.Item}})
	}
	if err := s.batchWrite(ctx, rest); err != nil {
		return err
	}
	p := writes[0].Put
	_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.TableName, Item: p.Item, ConditionExpression: p.ConditionExpression})
	return err
}

// JobByKey implements job.Store.
func (s *Jobs) JobByKey(ctx context.Context, clientID, projectID, key string) (job.Job, error) {
	var it idempotencyItem
	found, err := s.get(ctx, idempotencyPK(clientID, projectID, key), skIdempotency, &it)
	if err != nil {
		return job.Job{}, err
	}
	if !found {
		return job.Job{}, job.ErrNotFound
	}
	return s.Job(ctx, it.JobID)
}

// Job implements job.Store.
func (s *Jobs) Job(ctx context.Context, id string) (job.Job, error) {
	var it jobItem
	found, err := s.get(ctx, requestPK(id), skRequest, &it)
	if err != nil {
		return job.Job{}, err
	}
	if !found || it.Kind != "job" {
		return job.Job{}, job.ErrNotFound
	}
	return it.job()
}

// Jobs implements job.Store.
func (s *Jobs) Jobs(ctx context.Context, projectID string, now time.Time, req page.Request) (page.Page[job.Job], error) {
	pk := projectJobsGSI1PK(projectID)
	items, next, err := s.queryPage(ctx, &dynamodb.QueryInput{
		IndexName:              aws.String(indexGSI1),
		KeyConditionExpression: aws.String("GSI1PK = :pk"),
		FilterExpression:       aws.String("expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":  &types.AttributeValueMemberS{Value: pk},
			":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
		},
		ScanIndexForward: aws.Bool(false),
	}, attrGSI1PK, pk, req)
	if err != nil {
		return page.Page[job.Job]{}, err
	}
	out := page.Page[job.Job]{NextCursor: next, Items: make([]job.Job, 0, len(items))}
	for _, raw := range items {
		var it jobItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return out, err
		}
		j, err := it.job()
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, j)
	}
	return out, nil
}

// SetStatus implements job.Store.
func (s *Jobs) SetStatus(ctx context.Context, j job.Job, from ...job.Status) error {
	values := map[string]types.AttributeValue{":to": str(string(j.Status))}
	cond := "attribute_exists(PK) AND #s IN (" + statusValues(values, from) + ")"
	set, remove := []string{"#s = :to"}, []string(nil)
	if j.FailureReason != "" {
		set, values[":why"] = append(set, "failureReason = :why"), str(j.FailureReason)
	} else {
		remove = append(remove, "failureReason")
	}
	if !j.CompletedAt.IsZero() {
		set, values[":at"] = append(set, "completedAt = :at"), str(formatTime(j.CompletedAt))
	} else {
		remove = append(remove, "completedAt")
	}
	if !j.SweepAt.IsZero() {
		set = append(set, setSweep(values, j.ID, j.SweepAt))
	} else {
		remove = append(remove, attrGSI3PK, attrGSI3SK)
	}
	update := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		update += " REMOVE " + strings.Join(remove, ", ")
	}
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Name,
		Key:                       requestKey(j.ID),
		UpdateExpression:          &update,
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return job.ErrStatusConflict
	}
	if err != nil {
		return err
	}
	return s.reindexJob(ctx, out.Attributes, func(old *job.Job) { old.Status = j.Status })
}

// statusValues names each status of from as a value and lists the names.
func statusValues(values map[string]types.AttributeValue, from []job.Status) string {
	names := make([]string, len(from))
	for i, f := range from {
		names[i] = ":f" + strconv.Itoa(i)
		values[names[i]] = str(string(f))
	}
	return strings.Join(names, ", ")
}

// Start implements job.Store.
func (s *Jobs) Start(ctx context.Context, j job.Job, from ...job.Status) (time.Time, error) {
	values := map[string]types.AttributeValue{
		":to": str(string(j.Status)),
		":at": str(formatTime(j.StartedAt)),
	}
	cond := "attribute_exists(PK) AND #s IN (" + statusValues(values, from) + ")"
	update := "SET #s = :to, startedAt = if_not_exists(startedAt, :at), " + setSweep(values, j.ID, j.SweepAt)
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Name,
		Key:                       requestKey(j.ID),
		UpdateExpression:          &update,
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return time.Time{}, job.ErrStatusConflict
	}
	if err != nil {
		return time.Time{}, err
	}
	var old jobItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &old); err != nil {
		return time.Time{}, err
	}
	started := j.StartedAt.UTC()
	if old.StartedAt != "" {
		if started, err = parseTime(old.StartedAt); err != nil {
			return time.Time{}, fmt.Errorf("item %s %s: %w", old.PK, old.SK, err)
		}
	}
	return started, s.reindexJob(ctx, out.Attributes, func(old *job.Job) { old.Status = j.Status })
}

// reindexJob moves the tracker's markers from the job's old state (the
// item before the update) to its new one. A crash before it leaves the
// old markers: the tracker checks each request's messages, so a stale
// marker finds nothing extra.
func (s *Jobs) reindexJob(ctx context.Context, old map[string]types.AttributeValue, update func(*job.Job)) error {
	var it jobItem
	if err := attributevalue.UnmarshalMap(old, &it); err != nil {
		return err
	}
	before, err := it.job()
	if err != nil {
		return err
	}
	after := before
	update(&after)
	return s.batchWrite(ctx, markerWrites(after.ID, after.ClientID, after.CreatedAt, it.ExpiresAt, facetKeys(after.Facets()), facetKeys(before.Facets())))
}

// Finish implements job.Store.
func (s *Jobs) Finish(ctx context.Context, j job.Job) error {
	counts, err := attributevalue.Marshal(countsAttr(j.Counts))
	if err != nil {
		return err
	}
	values := map[string]types.AttributeValue{
		":to":        &types.AttributeValueMemberS{Value: string(j.Status)},
		":counts":    counts,
		":at":        &types.AttributeValueMemberS{Value: formatTime(j.CompletedAt)},
		":completed": &types.AttributeValueMemberS{Value: string(job.Completed)},
		":failed":    &types.AttributeValueMemberS{Value: string(job.Failed)},
	}
	update := "SET #s = :to, counts = :counts, completedAt = :at"
	if j.FailureReason != "" {
		update += ", failureReason = :why"
		values[":why"] = &types.AttributeValueMemberS{Value: j.FailureReason}
	}
	update += removeSweep
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Name,
		Key:                       requestKey(j.ID),
		UpdateExpression:          &update,
		ConditionExpression:       aws.String("attribute_exists(PK) AND NOT #s IN (:completed, :failed)"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return job.ErrStatusConflict
	}
	if err != nil {
		return err
	}
	return s.reindexJob(ctx, out.Attributes, func(old *job.Job) { old.Status, old.Counts = j.Status, j.Counts })
}

// Items implements job.Store.
func (s *Jobs) Items(ctx context.Context, j job.Job) ([]job.Item, error) {
	return readChunks(ctx, s.Table, j.ID, skInputChunk, func(c itemsChunk) []job.Item {
		out := make([]job.Item, len(c.Items))
		for i, it := range c.Items {
			out[i] = job.Item(it)
		}
		return out
	})
}

// Results implements job.Store.
func (s *Jobs) Results(ctx context.Context, j job.Job) ([]job.Result, error) {
	return readChunks(ctx, s.Table, j.ID, skResultChunk, func(c resultsChunk) []job.Result {
		out := make([]job.Result, len(c.Results))
		for i, r := range c.Results {
			out[i] = job.Result{TrackingNumber: r.TrackingNumber, Carrier: r.Carrier, Outcome: job.Outcome(r.Outcome), Message: r.Message}
		}
		return out
	})
}

// SaveResults implements job.Store: every chunk or none, and only once.
func (s *Jobs) SaveResults(ctx context.Context, j job.Job, results []job.Result) error {
	expires := j.ExpiresAt.Unix()
	var writes []types.TransactWriteItem
	for i := 0; i*chunkSize < len(results); i++ {
		chunk := make([]resultAttr, 0, chunkSize)
		for _, r := range results[i*chunkSize : min((i+1)*chunkSize, len(results))] {
			chunk = append(chunk, resultAttr{TrackingNumber: r.TrackingNumber, Carrier: r.Carrier, Outcome: string(r.Outcome), Message: r.Message})
		}
		w, err := put(s.Name, resultsChunk{PK: requestPK(j.ID), SK: chunkSK(skResultChunk, i), Results: chunk, ExpiresAt: expires}, "attribute_not_exists(PK)")
		if err != nil {
			return err
		}
		writes = append(writes, w)
	}
	var err error
	if len(writes) == 1 {
		// One chunk needs no transaction, which would bill it twice.
		p := writes[0].Put
		_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.TableName, Item: p.Item, ConditionExpression: p.ConditionExpression})
	} else {
		_, err = s.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	}
	if isConditionFailed(err) {
		return job.ErrResultsExist
	}
	return err
}
