package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/webhook"
)

var _ webhook.ExpiryStore = (*Expiries)(nil)

// ExpiringBetween implements webhook.ExpiryStore.
func (s *Expiries) ExpiringBetween(ctx context.Context, from, to time.Time, limit int) ([]webhook.Expiring, error) {
	var days []time.Time
	for d := from.UTC().Truncate(24 * time.Hour); !d.After(to); d = d.Add(24 * time.Hour) {
		days = append(days, d)
	}
	found := make([][]webhook.Expiring, len(days)*expiryShards)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for i, day := range days {
		for shard := range expiryShards {
			g.Go(func() error {
				p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
					TableName: &s.Name,
					IndexName: aws.String(indexGSI3),
					// "$" sorts after "#": the bound takes expiries up to
					// and including to, whatever the carrier.
					KeyConditionExpression: aws.String("GSI3PK = :pk AND GSI3SK BETWEEN :from AND :to"),
					ExpressionAttributeValues: map[string]types.AttributeValue{
						":pk":   str(expiryGSI3PK(day, shard)),
						":from": str(sorttime.Format(from) + "$"),
						":to":   str(sorttime.Format(to) + "$"),
					},
					Limit: aws.Int32(int32(min(limit, 1000))),
				})
				slot := &found[i*expiryShards+shard]
				for p.HasMorePages() && len(*slot) < limit {
					pg, err := p.NextPage(gctx)
					if err != nil {
						return err
					}
					for _, raw := range pg.Items {
						a, err := expiringOf(raw)
						if err != nil {
							return err
						}
						*slot = append(*slot, a)
					}
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []webhook.Expiring
	for _, as := range found {
		out = append(out, as...)
	}
	return out[:min(len(out), limit)], nil
}

// expiringOf reads an association from its index entry.
func expiringOf(raw item) (webhook.Expiring, error) {
	pk, _ := raw[attrPK].(*types.AttributeValueMemberS)
	sk, _ := raw[attrSK].(*types.AttributeValueMemberS)
	isk, _ := raw[attrGSI3SK].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil || isk == nil {
		return webhook.Expiring{}, fmt.Errorf("expiry index entry without its keys")
	}

	project, number, ok := associationOfKeys(pk.Value, sk.Value)
	at, carrier, _ := strings.Cut(isk.Value, "#")
	expiresAt, err := sorttime.Parse(at)
	if !ok || err != nil {
		return webhook.Expiring{}, fmt.Errorf("expiry index entry %s %s: not an association", pk.Value, isk.Value)
	}
	return webhook.Expiring{ProjectID: project, TrackingNumber: number, Carrier: carrier, ExpiresAt: expiresAt}, nil
}

// ExpiryNoticed implements webhook.ExpiryStore: the association leaves
// the index unless its expiry moved.
func (s *Expiries) ExpiryNoticed(ctx context.Context, a webhook.Expiring) error {
	count, err := s.shardsOf(ctx, a.ProjectID)
	if err != nil {
		return err
	}
	_, err = s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.Name,
		Key:                 associationKey(a.ProjectID, count, a.TrackingNumber),
		UpdateExpression:    aws.String("REMOVE GSI3PK, GSI3SK"),
		ConditionExpression: aws.String("expiresAt = :exp"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(a.ExpiresAt.Unix(), 10)},
		},
	})
	if isConditionFailed(err) {
		return nil // renewed (indexed anew) or removed
	}
	return err
}
