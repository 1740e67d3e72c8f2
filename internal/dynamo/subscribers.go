package dynamo

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/job"
)

// A number's subscribers item (TRK#<number>, SUBSCRIBERS) mirrors its
// associations: one attribute per associated project, SUB#<project>, a
// map of the association's addedAt and expiresAt (and, when a job's
// addition wrote it, addedBy: the claim of that job, see claimEntry).
// Message ingestion reads the subscribers of the numbers it notifies for
// in one BatchGetItem per 100 numbers, consistently, instead of one
// Query on GSI1 per number; an expired entry stays until replaced, and
// is filtered out by its expiresAt as reads of associations filter them.
//
// A job writes an entry and its association one after the other, each
// alone (associations_write.go says in which order and why); a record
// following a number writes both in one transaction (records.go).

// subscribed sets a's entry in its number's subscribers item, in a
// transaction that also writes a.
func (s *Table) subscribed(a job.Association) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &s.Name, Key: subscribersKey(a.TrackingNumber),
		UpdateExpression:         aws.String("SET trackingNumber = :n, #p = :a"),
		ExpressionAttributeNames: map[string]string{"#p": subscriberAttrPrefix + a.ProjectID},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": str(a.TrackingNumber),
			":a": entryValue(a),
		},
	}}
}

// entryValue is a's entry: its times, and the job that created it.
func entryValue(a job.Association) *types.AttributeValueMemberM {
	m := map[string]types.AttributeValue{
		"addedAt":   str(formatTime(a.AddedAt)),
		"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(a.ExpiresAt.Unix(), 10)},
	}
	if a.AddedBy != "" {
		m["addedBy"] = str(a.AddedBy)
	}
	return &types.AttributeValueMemberM{Value: m}
}

// Subscribers implements message.Tracking: the projects associated with
// each number at now, from the numbers' subscribers items.
func (s *Tracking) Subscribers(ctx context.Context, numbers []string, now time.Time) (map[string][]string, error) {
	keys := make([]item, 0, len(numbers))
	seen := make(map[string]bool, len(numbers))
	for _, n := range numbers {
		if !seen[n] {
			seen[n] = true
			keys = append(keys, subscribersKey(n))
		}
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(items))
	for _, raw := range items {
		pk, _ := raw[attrPK].(*types.AttributeValueMemberS)
		if pk == nil {
			continue
		}
		number := strings.TrimPrefix(pk.Value, trackingPK(""))
		for name, v := range raw {
			projectID, ok := strings.CutPrefix(name, subscriberAttrPrefix)
			m, isMap := v.(*types.AttributeValueMemberM)
			if !ok || !isMap {
				continue
			}
			exp, _ := m.Value["expiresAt"].(*types.AttributeValueMemberN)
			if exp == nil {
				continue
			}
			if secs, err := strconv.ParseInt(exp.Value, 10, 64); err == nil && secs > now.Unix() {
				out[number] = append(out[number], projectID)
			}
		}
	}
	return out, nil
}
