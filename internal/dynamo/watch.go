package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/tag"
)

var _ edd.WatchStore = (*Watches)(nil)

// watchTTL keeps a watch that nothing removes (a parcel no longer
// followed whose announcements were all made) past any association's
// life, then lets DynamoDB delete it.
const watchTTL = 60 * 24 * time.Hour

// GetWatch implements edd.WatchStore with a consistent read, so that a
// write right after a read is judged against the latest version.
func (s *Watches) GetWatch(ctx context.Context, number string) (edd.Watch, bool, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, Key: watchKey(number), ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		return edd.Watch{}, false, err
	}
	it := out.Item
	times := timesOf(getS(it, attrPK), getS(it, attrSK))
	w := edd.Watch{
		TrackingNumber: number, Carrier: getS(it, "carrier"), Tag: tag.Tag(getS(it, "tag")),
		LastEventAt: times.at(getS(it, "lastEventAt")),
		StallAt:     times.at(getS(it, "stallAt")), StallNoticed: getBool(it, "stallNoticed"),
		LateAt: times.at(getS(it, "lateAt")), LateNoticed: getBool(it, "lateNoticed"),
		FirstLikely: times.at(getS(it, "firstLikely")), Stalls: getN(it, "stalls"),
		Version: getN(it, "version"),
	}
	thresholds, err := watchThresholds(it)
	if err != nil {
		return edd.Watch{}, false, err
	}
	w.Thresholds = thresholds
	if listed, _, ok := strings.Cut(getS(it, attrGSI3SK), "#"); ok {
		w.CheckAt = times.at(listed)
	}
	return w.AsStored(), times.err == nil, times.err
}

// watchThresholds reads a watch's learned stall thresholds: a map of tag
// to whole seconds (none on watches stored before they were learned).
func watchThresholds(it item) (map[tag.Tag]time.Duration, error) {
	m, _ := it["thresholds"].(*types.AttributeValueMemberM)
	if m == nil || len(m.Value) == 0 {
		return nil, nil
	}
	out := make(map[tag.Tag]time.Duration, len(m.Value))
	for t, v := range m.Value {
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok {
			return nil, fmt.Errorf("watch %s/%s: threshold of %s is not a number", getS(it, attrPK), getS(it, attrSK), t)
		}
		secs, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil || secs <= 0 {
			return nil, fmt.Errorf("watch %s/%s: threshold of %s is %q", getS(it, attrPK), getS(it, attrSK), t, n.Value)
		}
		out[tag.Tag(t)] = time.Duration(secs) * time.Second
	}
	return out, nil
}

func getBool(it item, name string) bool {
	v, _ := it[name].(*types.AttributeValueMemberBOOL)
	return v != nil && v.Value
}

// PutWatch implements edd.WatchStore: one conditional PutItem, which
// also sets, moves or drops the index entry (at w.Indexed(); GetWatch
// reads CheckAt back from it, as it does for watches stored before
// CheckAt, whose entry is at their Due).
func (s *Watches) PutWatch(ctx context.Context, w edd.Watch) error {
	it := watchKey(w.TrackingNumber)
	it["carrier"], it["tag"] = str(w.Carrier), str(string(w.Tag))
	it["lastEventAt"], it["stallAt"], it["lateAt"] = str(formatTime(w.LastEventAt)), str(formatTime(w.StallAt)), str(formatTime(w.LateAt))
	it["stallNoticed"], it["lateNoticed"] = bool1(w.StallNoticed), bool1(w.LateNoticed)
	it["firstLikely"], it["stalls"] = str(formatTime(w.FirstLikely)), num(w.Stalls)
	it["version"] = num(w.Version + 1)
	if len(w.Thresholds) > 0 {
		m := make(item, len(w.Thresholds))
		for t, d := range w.Thresholds {
			m[string(t)] = num(int64(d / time.Second))
		}
		it["thresholds"] = &types.AttributeValueMemberM{Value: m}
	}
	it["expiresAt"] = num(watchExpiry(w).Unix())
	if listed := w.Indexed(); !listed.IsZero() {
		it[attrGSI3PK], it[attrGSI3SK] = str(watchGSI3PK(watchShard(w.TrackingNumber))), str(watchGSI3SK(listed, w.TrackingNumber))
	}
	in := &dynamodb.PutItemInput{TableName: &s.Name, Item: it, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if w.Version > 0 {
		in.ConditionExpression = aws.String("version = :v")
		in.ExpressionAttributeValues = item{":v": num(w.Version)}
	}
	_, err := s.Client.PutItem(ctx, in)
	if isConditionFailed(err) {
		return edd.ErrWatchMoved
	}
	return err
}

// watchExpiry is when DynamoDB may delete the watch: watchTTL after its
// newest event or its late time, whichever is later.
func watchExpiry(w edd.Watch) time.Time {
	if w.LateAt.After(w.LastEventAt) {
		return w.LateAt.Add(watchTTL)
	}
	return w.LastEventAt.Add(watchTTL)
}

// DeleteWatch implements edd.WatchStore.
func (s *Watches) DeleteWatch(ctx context.Context, number string) error {
	_, err := s.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Name, Key: watchKey(number)})
	return err
}

// DueWatches implements edd.WatchStore: per shard, one Query of the
// entries due by now, earliest first; merged, the earliest limit.
func (s *Watches) DueWatches(ctx context.Context, now time.Time, limit int) ([]string, error) {
	found := make([][]string, watchShards) // GSI3SK values
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for shard := range watchShards {
		g.Go(func() error {
			p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
				TableName:              &s.Name,
				IndexName:              aws.String(indexGSI3),
				KeyConditionExpression: aws.String("GSI3PK = :pk AND GSI3SK < :to"),
				ExpressionAttributeValues: item{
					":pk": str(watchGSI3PK(shard)),
					":to": str(watchDueBy(now)),
				},
				Limit: aws.Int32(int32(min(limit, 1000))),
			})
			for p.HasMorePages() && len(found[shard]) < limit {
				pg, err := p.NextPage(gctx)
				if err != nil {
					return err
				}
				for _, raw := range pg.Items {
					found[shard] = append(found[shard], getS(raw, attrGSI3SK))
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	keys := slices.Concat(found...)
	slices.Sort(keys) // fixed-width times first: earliest due first
	out := make([]string, 0, min(len(keys), limit))
	for _, k := range keys[:min(len(keys), limit)] {
		_, number, _ := strings.Cut(k, "#")
		out = append(out, number)
	}
	return out, nil
}
