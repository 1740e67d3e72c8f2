package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/page"
	"github.com/parcelgate/parcelgate/internal/sorttime"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// An endpoint's delivery attempts: one item per attempt in one of the
// endpoint's attemptShards partitions (keys.go), its sort key the time,
// the attempt's number and a random suffix, so sort keys are unique
// across the shards and order them all by time.

type attemptItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	EventID        string `dynamodbav:"eventId"`
	Type           string `dynamodbav:"type"`
	Attempt        int    `dynamodbav:"attempt"`
	Status         string `dynamodbav:"status"`
	ResponseStatus int    `dynamodbav:"responseStatus"`
	DurationMs     int64  `dynamodbav:"durationMs"`
	At             string `dynamodbav:"at"`
	ExpiresAt      int64  `dynamodbav:"expiresAt"`
}

// PutAttempt implements webhook.Store. The key names the shard and the
// item's sort key ("07/<sort key>"): a retry settles its attempt from
// the key alone.
func (s *Webhooks) PutAttempt(ctx context.Context, a webhook.Attempt, ttl time.Duration) (string, error) {
	shard := attemptShard(a.EventID)
	sk := fmt.Sprintf("%s#%04d#%s", sorttime.Format(a.At), a.Attempt, uniqueSuffix())
	av, err := attributevalue.MarshalMap(attemptItem{
		PK: attemptPK(a.WebhookID, shard), SK: sk,
		EventID: a.EventID, Type: a.Type, Attempt: a.Attempt, Status: a.Status, ResponseStatus: a.ResponseStatus,
		DurationMs: a.Duration.Milliseconds(), At: formatTime(a.At), ExpiresAt: a.At.Add(ttl).Unix(),
	})
	if err != nil {
		return "", err
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Name, Item: av})
	return fmt.Sprintf("%02d/%s", shard, sk), err
}

// uniqueSuffix keeps apart two attempts of one instant (a replay of an
// event while its retry runs, say): each attempt is its own record.
func uniqueSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// attemptKey is the item a key of PutAttempt names. A key without a
// shard is an attempt's bare sort key, as retries queued before the
// shards carry it: its item is in the legacy partition. ok is false for a
// key that can name no item (an empty or oversized sort key).
func attemptKey(webhookID, key string) (it item, ok bool) {
	pk, sk := legacyAttemptPK(webhookID), key
	if shard, rest, cut := strings.Cut(key, "/"); cut && len(shard) == 2 && isDigit(shard[0]) && isDigit(shard[1]) {
		if n := int(shard[0]-'0')*10 + int(shard[1]-'0'); n < attemptShards {
			pk, sk = attemptPK(webhookID, n), rest
		}
	}
	return item{attrPK: str(pk), attrSK: str(sk)}, sk != "" && len(sk) <= maxSortKeyBytes
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// maxSortKeyBytes is DynamoDB's limit on a sort key.
const maxSortKeyBytes = 1024

// SettleAttempt implements webhook.Store: one conditional update, which
// creates nothing where the attempt expired (or the key names none).
func (s *Webhooks) SettleAttempt(ctx context.Context, webhookID, key string) error {
	k, ok := attemptKey(webhookID, key)
	if !ok {
		return nil
	}
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: k,
		UpdateExpression:         aws.String("SET #status = :failed"),
		ConditionExpression:      aws.String("#status = :pending"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":failed": str(webhook.Failed), ":pending": str(webhook.Pending),
		},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// Attempts implements webhook.Store: newest first. Each of the
// endpoint's shards, and its legacy partition, is read from the cursor on
// (a page's worth at most), and the pages are merged by sort key; the
// cursor is the last attempt's sort key, the same for every partition.
// A page so costs a Query per partition: listing attempts is an
// operator's read, rare beside the deliveries that write them.
func (s *Webhooks) Attempts(ctx context.Context, webhookID string, req page.Request) (page.Page[webhook.Attempt], error) {
	legacy := legacyAttemptPK(webhookID)
	start, err := decodeCursor(attrPK, legacy, req.Cursor)
	if err != nil {
		return page.Page[webhook.Attempt]{}, err
	}
	after := ""
	if start != nil {
		sk, ok := start[attrSK].(*types.AttributeValueMemberS)
		if !ok || sk.Value == "" || len(sk.Value) > maxSortKeyBytes {
			return page.Page[webhook.Attempt]{}, page.ErrBadCursor // a key DynamoDB would refuse: forged
		}
		after = sk.Value
	}
	limit := req.Limit
	if limit <= 0 || limit > page.MaxLimit {
		limit = page.DefaultLimit
	}
	partitions := []string{legacy}
	for shard := range attemptShards {
		partitions = append(partitions, attemptPK(webhookID, shard))
	}
	read := make([][]attemptItem, len(partitions))
	more := make([]bool, len(partitions))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for i, pk := range partitions {
		g.Go(func() error {
			in := &dynamodb.QueryInput{
				TableName:                 &s.Name,
				KeyConditionExpression:    aws.String("PK = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
				ScanIndexForward:          aws.Bool(false),
				Limit:                     aws.Int32(int32(limit)),
			}
			if after != "" {
				in.KeyConditionExpression = aws.String("PK = :pk AND SK < :after")
				in.ExpressionAttributeValues[":after"] = str(after)
			}
			out, err := s.Client.Query(gctx, in)
			if err != nil {
				return err
			}
			more[i] = len(out.LastEvaluatedKey) > 0
			return attributevalue.UnmarshalListOfMaps(out.Items, &read[i])
		})
	}
	if err := g.Wait(); err != nil {
		return page.Page[webhook.Attempt]{}, err
	}
	var all []attemptItem
	next := false
	for i := range read {
		all = append(all, read[i]...)
		next = next || more[i]
	}
	sort.Slice(all, func(i, j int) bool { return all[i].SK > all[j].SK })
	if len(all) > limit {
		all, next = all[:limit], true
	}
	var out page.Page[webhook.Attempt]
	if next && len(all) > 0 {
		if out.NextCursor, err = encodeCursor(item{attrPK: str(legacy), attrSK: str(all[len(all)-1].SK)}); err != nil {
			return page.Page[webhook.Attempt]{}, err
		}
	}
	for _, it := range all {
		at, err := parseTime(it.At)
		if err != nil {
			return page.Page[webhook.Attempt]{}, fmt.Errorf("item %s %s: %w", it.PK, it.SK, err)
		}
		out.Items = append(out.Items, webhook.Attempt{
			WebhookID: webhookID, EventID: it.EventID, Type: it.Type, Attempt: it.Attempt, Status: it.Status,
			ResponseStatus: it.ResponseStatus, Duration: time.Duration(it.DurationMs) * time.Millisecond, At: at,
		})
	}
	return out, nil
}
