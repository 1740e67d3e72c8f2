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
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/page"
)

// Associated implements job.Store. A page reads the project's shards in
// order (of the table, or with a tag of its tag index); the cursor names
// the shard and the position within it. It reads the first shard alone,
// then the next ones a window at a time, concurrently, the window doubling
// up to batchConcurrency: a large project fills a page from one shard
// with one Query, and a small one waits for about nine round trips of
// Queries rather than 48 one after another. A window reads at most a
// page's worth of items a shard that the page does not take.
func (s *Jobs) Associated(ctx context.Context, projectID string, now time.Time, tagged string, req page.Request) (page.Page[job.Association], error) {
	count, err := s.shardsOf(ctx, projectID)
	if err != nil {
		return page.Page[job.Association]{}, err
	}
	shard, inner, err := splitShardCursor(req.Cursor, count)
	if err != nil {
		return page.Page[job.Association]{}, err
	}
	limit := req.Limit
	if limit <= 0 {
		limit = page.DefaultLimit
	}
	var out page.Page[job.Association]
	for width := 1; shard < int(count); width = min(2*width, batchConcurrency) {
		window := make([]shardPage, min(width, int(count)-shard))
		g, gctx := errgroup.WithContext(ctx)
		for i := range window {
			r := page.Request{Limit: limit - len(out.Items)}
			if i == 0 {
				r.Cursor = inner
			}
			g.Go(func() error {
				var err error
				window[i], err = s.associatedIn(gctx, projectID, shard+i, tagged, now, r)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return out, err
		}
		inner = ""
		for i, p := range window {
			at := shard + i
			if take := limit - len(out.Items); len(p.items) > take {
				// The page ends inside this shard: the cursor is the key
				// of its last item taken, as DynamoDB's own would be.
				next, err := encodeCursor(p.keys[take-1])
				if err != nil {
					return out, err
				}
				out.Items = append(out.Items, p.items[:take]...)
				out.NextCursor = fmt.Sprintf("%d.%s", at, next)
				return out, nil
			}
			out.Items = append(out.Items, p.items...)
			switch {
			case p.next != "":
				out.NextCursor = fmt.Sprintf("%d.%s", at, p.next)
				return out, nil
			case len(out.Items) >= limit && at+1 < int(count):
				out.NextCursor = fmt.Sprintf("%d.", at+1)
				return out, nil
			}
		}
		shard += len(window)
	}
	return out, nil
}

// shardPage is one Query's page of a shard's associations, with each
// one's key as the Query's index holds it.
type shardPage struct {
	items []job.Association
	keys  []item
	next  string
}

// associatedIn reads a page of one shard of a project's associations.
func (s *Jobs) associatedIn(ctx context.Context, projectID string, shard int, tagged string, now time.Time, req page.Request) (shardPage, error) {
	in := &dynamodb.QueryInput{
		KeyConditionExpression: aws.String("PK = :pk"),
		FilterExpression:       aws.String("expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
		},
	}
	attr, pk, keyAttrs := attrPK, associationPK(projectID, shard), []string{attrPK, attrSK}
	if tagged != "" {
		attr, pk = attrGSI1PK, associationTagGSI1PK(projectID, tagged, shard)
		keyAttrs = []string{attrGSI1PK, attrGSI1SK, attrPK, attrSK}
		in.IndexName, in.KeyConditionExpression = aws.String(indexGSI1), aws.String("GSI1PK = :pk")
	}
	in.ExpressionAttributeValues[":pk"] = str(pk)
	raws, next, err := s.queryPage(ctx, in, attr, pk, req)
	if err != nil {
		return shardPage{}, err
	}
	p := shardPage{next: next}
	for _, raw := range raws {
		var it associationItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return p, err
		}
		a, err := it.association()
		if err != nil {
			return p, err
		}
		key := item{}
		for _, name := range keyAttrs {
			key[name] = raw[name]
		}
		p.items, p.keys = append(p.items, a), append(p.keys, key)
	}
	return p, nil
}

func splitShardCursor(c string, count shards) (int, string, error) {
	if c == "" {
		return 0, "", nil
	}
	head, rest, ok := strings.Cut(c, ".")
	shard, err := strconv.Atoi(head)
	if !ok || err != nil || shard < 0 || shard >= int(count) {
		return 0, "", page.ErrBadCursor
	}
	return shard, rest, nil
}
