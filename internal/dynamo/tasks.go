package dynamo

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/sweep"
	"github.com/parcelgate/parcelgate/internal/task"
)

var _ task.Store = (*Tasks)(nil)

// A task item's cursor is always present, so progress is saved on the
// condition that it is still the one read. It is stored behind a prefix:
// DynamoDB Local refuses empty strings, which the first page's is.
const cursorPrefix = "@"

func taskItem(t task.Task) item {
	it := taskKey(t.ProjectID, t.ID)
	it["id"] = str(t.ID)
	it["projectId"] = str(t.ProjectID)
	it["code"] = str(t.Code)
	it["status"] = str(string(t.Status))
	it["createdAt"] = str(formatTime(t.CreatedAt))
	it["cursor"] = str(cursorPrefix + t.Cursor)
	it["read"], it["changed"], it["skipped"] = num(int64(t.Counts.Read)), num(int64(t.Counts.Changed)), num(int64(t.Counts.Skipped))
	// An open task is in the sweeper's index (sweep.go) until it ends.
	it["kind"] = str(sweep.KindTask)
	if pk, sk := sweepKeys(t.ID, t.SweepAt); pk != "" {
		it[attrGSI3PK], it[attrGSI3SK] = str(pk), str(sk)
	}
	if t.Requeues > 0 {
		it["requeues"] = num(int64(t.Requeues))
	}
	return it
}

func decodeTask(it item) (task.Task, error) {
	s := func(name string) string {
		v, _ := it[name].(*types.AttributeValueMemberS)
		if v == nil {
			return ""
		}
		return v.Value
	}
	n := func(name string) int {
		v, _ := it[name].(*types.AttributeValueMemberN)
		if v == nil {
			return 0
		}
		x, _ := strconv.Atoi(v.Value)
		return x
	}
	at := timesOf(s(attrPK), s(attrSK))
	t := task.Task{
		ID: s("id"), ProjectID: s("projectId"), Code: s("code"), Status: task.Status(s("status")),
		CreatedAt: at.at(s("createdAt")), Error: s("error"), Cursor: strings.TrimPrefix(s("cursor"), cursorPrefix),
		Counts:   task.Counts{Read: n("read"), Changed: n("changed"), Skipped: n("skipped")},
		Requeues: n("requeues"),
	}
	if v := s(attrGSI3SK); v != "" {
		t.SweepAt = sweepDue(at, v)
	}
	t.StartedAt, t.FinishedAt = at.at(s("startedAt")), at.at(s("finishedAt"))
	return t, at.err
}

// CreateTask implements task.Store.
func (s *Tasks) CreateTask(ctx context.Context, t task.Task, staleBefore time.Time) error {
	pending := pendingKey(t.ProjectID, t.Code)
	pending["taskId"] = str(t.ID)
	pending["queuedAt"] = str(formatTime(t.CreatedAt))
	return s.transact(ctx, []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: &s.Name, Item: pending,
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR queuedAt < :stale"),
			ExpressionAttributeValues: item{":stale": str(formatTime(staleBefore))},
		}},
		{Put: &types.Put{TableName: &s.Name, Item: taskItem(t), ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}, func(reasons []types.CancellationReason) error {
		if failed(reasons, 0) {
			return task.ErrPending
		}
		return nil
	})
}

// Task implements task.Store.
func (s *Tasks) Task(ctx context.Context, projectID, id string) (task.Task, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, Key: taskKey(projectID, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return task.Task{}, err
	}
	if out.Item == nil {
		return task.Task{}, task.ErrNotFound
	}
	return decodeTask(out.Item)
}

// Tasks implements task.Store.
func (s *Tasks) Tasks(ctx context.Context, projectID, cursor string, limit int) ([]task.Task, string, error) {
	pk := tasksPK(projectID)
	items, next, err := s.queryPage(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :task)"),
		ExpressionAttributeValues: item{":pk": str(pk), ":task": str(taskSK(""))},
		ScanIndexForward:          aws.Bool(false),
	}, attrPK, pk, page.Request{Cursor: cursor, Limit: limit})
	if err != nil {
		return nil, "", err
	}
	out := make([]task.Task, len(items))
	for i, it := range items {
		if out[i], err = decodeTask(it); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

var unfinished = item{":queued": str(string(task.Queued)), ":running": str(string(task.Running))}

func withValues(base item, more item) item {
	out := item{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// moveTaskSweep is the SET clause that moves t's deadline in the
// sweeper's index to t.SweepAt; none when it is zero (an index key may
// not be empty).
func moveTaskSweep(values item, t task.Task) string {
	if t.SweepAt.IsZero() {
		return ""
	}
	return ", " + setSweep(values, t.ID, t.SweepAt)
}

// StartTask implements task.Store.
func (s *Tasks) StartTask(ctx context.Context, t task.Task, at time.Time) error {
	values := withValues(unfinished, item{":at": str(formatTime(at))})
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: taskKey(t.ProjectID, t.ID),
		UpdateExpression:          aws.String("SET #s = :running, startedAt = if_not_exists(startedAt, :at)" + moveTaskSweep(values, t)),
		ConditionExpression:       aws.String("#s IN (:queued, :running)"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return task.ErrMoved
	}
	if err != nil {
		return err
	}
	return s.freePending(ctx, t)
}

// freePending deletes the pending item of t's code if it still names t
// (a stale one may have been taken over by a newer task).
func (s *Tasks) freePending(ctx context.Context, t task.Task) error {
	_, err := s.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.Name, Key: pendingKey(t.ProjectID, t.Code),
		ConditionExpression:       aws.String("taskId = :id"),
		ExpressionAttributeValues: item{":id": str(t.ID)},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// SaveProgress implements task.Store.
func (s *Tasks) SaveProgress(ctx context.Context, t task.Task, from string) error {
	values := item{
		":running": str(string(task.Running)), ":from": str(cursorPrefix + from), ":c": str(cursorPrefix + t.Cursor),
		":r": num(int64(t.Counts.Read)), ":ch": num(int64(t.Counts.Changed)), ":sk": num(int64(t.Counts.Skipped)),
	}
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: taskKey(t.ProjectID, t.ID),
		UpdateExpression:          aws.String("SET #c = :c, #r = :r, changed = :ch, skipped = :sk" + moveTaskSweep(values, t)),
		ConditionExpression:       aws.String("#s = :running AND #c = :from"),
		ExpressionAttributeNames:  map[string]string{"#s": "status", "#c": "cursor", "#r": "read"},
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return task.ErrMoved
	}
	return err
}

// FinishTask implements task.Store. A finished task leaves the sweeper's
// index and expires after task.TTL (the table's TTL attribute).
func (s *Tasks) FinishTask(ctx context.Context, t task.Task, from string) error {
	values := withValues(unfinished, item{
		":status": str(string(t.Status)), ":fin": str(formatTime(t.FinishedAt)), ":from": str(cursorPrefix + from), ":c": str(cursorPrefix + t.Cursor),
		":r": num(int64(t.Counts.Read)), ":ch": num(int64(t.Counts.Changed)), ":sk": num(int64(t.Counts.Skipped)),
		":exp": num(t.FinishedAt.Add(task.TTL).Unix()),
	})
	update := "SET #s = :status, finishedAt = :fin, #c = :c, #r = :r, changed = :ch, skipped = :sk, expiresAt = :exp"
	if t.Error != "" {
		update += ", #e = :err"
		values[":err"] = str(t.Error)
	}
	update += removeSweep
	names := map[string]string{"#s": "status", "#c": "cursor", "#r": "read"}
	if t.Error != "" {
		names["#e"] = "error"
	}
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: taskKey(t.ProjectID, t.ID),
		UpdateExpression:          &update,
		ConditionExpression:       aws.String("#s IN (:queued, :running) AND #c = :from"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return task.ErrMoved
	}
	if err != nil {
		return err
	}
	return s.freePending(ctx, t)
}

// DeleteTask implements task.Store.
func (s *Tasks) DeleteTask(ctx context.Context, t task.Task) error {
	if _, err := s.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Name, Key: taskKey(t.ProjectID, t.ID)}); err != nil {
		return err
	}
	return s.freePending(ctx, t)
}
