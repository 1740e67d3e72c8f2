package dynamo

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/page"
)

// ReadRecords implements data.Store: the project's record shards of the
// entity (or their GSI1 delta partitions) read in key order and merged,
// until the limit is met, every shard ends or MaxScanned items were read.
// The cursor is the sort key of the last item read, bound to the entity's
// unsharded partition name: every shard resumes after it, so a cursor
// of a project of one shard (the LastEvaluatedKey it was before) still
// reads on.
//
// The shards are read in rounds: the shards that ran out of items read
// are Queried concurrently, each for its share of what the page still
// needs and a quarter more, so a page of an unfiltered read is most often
// one round, a Query per shard. Records an import holds are then judged
// all before its commit point or all after (see pageStates): the page is
// read again only when an import commits while it is read, and at most
// pageAttempts times in all.
func (s *Records) ReadRecords(ctx context.Context, r data.Read) ([]data.Record, string, error) {
	n, err := s.recordShardsOf(ctx, r.ProjectID)
	if err != nil {
		return nil, "", err
	}
	base := dataBasePK(r.ProjectID, r.Entity.Name)
	partitionAttr, sortAttr, partition := attrPK, attrSK, base
	if r.Index == data.ByExportDate {
		partitionAttr, sortAttr, partition = attrGSI1PK, attrGSI1SK, dataExportGSI1PKOf(base)
	}
	after, err := recordCursor(partitionAttr, partition, sortAttr, r.Cursor)
	if err != nil {
		return nil, "", err
	}
	cursorAt := func(it item) (string, error) {
		return encodeCursor(item{partitionAttr: str(partition), sortAttr: it[sortAttr]})
	}
	states := newTxStates(&s.recordTable)
	for attempt := 1; ; attempt++ {
		states.forgetPending()
		m := &shardMerge{
			s: s, sortAttr: sortAttr, descending: r.Descending,
			page: &pageStates{
				states: states, committed: &s.committed, since: time.Now(),
				last: attempt == pageAttempts, pending: map[string]int{},
			},
		}
		for shard := range int(n) {
			m.shards = append(m.shards, m.query(r, n, shard, after))
		}
		records, next, err := m.read(ctx, r, cursorAt)
		if !errors.Is(err, errReadAgain) {
			return records, next, err
		}
	}
}

// read merges one page from the shards.
func (m *shardMerge) read(ctx context.Context, r data.Read, cursorAt func(item) (string, error)) ([]data.Record, string, error) {
	limit, maxScanned := max(r.Limit, 1), max(r.MaxScanned, r.Limit+1)
	var records []data.Record
	var last item
	scanned := 0
	for {
		// Unfiltered, one more than the limit tells whether more remain;
		// filtered, read what the scan budget allows.
		want := limit - len(records) + 1
		if r.Match != nil {
			want = min(maxScanned-scanned, 1000)
		}
		raw, version, err := m.next(ctx, want)
		if err != nil {
			return nil, "", err
		}
		if raw == nil {
			return records, "", m.page.confirm(ctx)
		}
		var rec data.Record
		if version != nil {
			if rec, err = decodeRecord(r.Entity, version); err != nil {
				return nil, "", err
			}
		}
		// The delta-sync index holds a locked record at its new
		// version's place: skip it while that is not committed.
		visible := version != nil && !rec.Deleted && (r.Index != data.ByExportDate || rec.SrvExport == 0)
		if visible && (r.Match == nil || r.Match(rec)) {
			if len(records) == limit {
				next, err := cursorAt(last)
				if err == nil {
					err = m.page.confirm(ctx)
				}
				return records, next, err
			}
			records = append(records, rec)
		}
		last = raw
		scanned++
		if scanned >= maxScanned && m.more() {
			next, err := cursorAt(last)
			if err == nil {
				err = m.page.confirm(ctx)
			}
			return records, next, err
		}
	}
}

// maxSortKey is the longest sort key DynamoDB takes, in bytes.
const maxSortKey = 1024

// recordCursor is the sort key a records cursor resumes after ("" for no
// cursor): one the read's own partition names, as long as a sort key may
// be, so a forged cursor is refused here rather than by DynamoDB.
func recordCursor(partitionAttr, partition, sortAttr, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	key, err := decodeCursor(partitionAttr, partition, cursor)
	if err != nil {
		return "", err
	}
	after := getS(key, sortAttr)
	if after == "" || len(after) > maxSortKey {
		return "", page.ErrBadCursor
	}
	return after, nil
}

// shardMerge reads the shards of an entity's records in one order.
type shardMerge struct {
	s          *Records
	sortAttr   string
	descending bool
	shards     []*shardRead
	page       *pageStates
}

// shardRead is one shard's items read and not yet merged.
type shardRead struct {
	in   *dynamodb.QueryInput
	raw  []item
	done bool // nothing in the shard after raw
}

// query is the read of one shard, after the sort key after ("" from the
// start).
func (m *shardMerge) query(r data.Read, n shards, shard int, after string) *shardRead {
	partitionAttr, partition := attrPK, dataPK(n, r.ProjectID, r.Entity.Name, shard)
	in := &dynamodb.QueryInput{TableName: &m.s.Name, ScanIndexForward: aws.Bool(!r.Descending)}
	if r.Index == data.ByExportDate {
		partitionAttr, partition = attrGSI1PK, dataExportGSI1PKOf(partition)
		in.IndexName = aws.String(indexGSI1)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	cond := partitionAttr + " = :pk"
	in.ExpressionAttributeValues = item{":pk": str(partition)}
	if after != "" {
		op := " > "
		if r.Descending {
			op = " < "
		}
		cond += " AND " + m.sortAttr + op + ":after"
		in.ExpressionAttributeValues[":after"] = str(after)
	}
	in.KeyConditionExpression = aws.String(cond)
	return &shardRead{in: in}
}

// next is the next item in the merged order and its committed version
// (nil, nil at the end); want is about how many more the caller may read,
// which the shards that ran out read again between them.
func (m *shardMerge) next(ctx context.Context, want int) (raw, version item, err error) {
	per := (want + len(m.shards) - 1) / len(m.shards)
	if len(m.shards) > 1 {
		// A hash spreads a page unevenly: a margin of a quarter (about
		// 4.5 standard deviations of a shard's share of 1,000) spares
		// most pages a second Query on a shard.
		per += per/4 + 2
	}
	for {
		var empty []*shardRead
		for _, sr := range m.shards {
			if len(sr.raw) == 0 && !sr.done {
				empty = append(empty, sr)
			}
		}
		if len(empty) == 0 {
			break
		}
		if err := m.round(ctx, empty, per); err != nil {
			return nil, nil, err
		}
	}
	var first *shardRead
	for _, sr := range m.shards {
		if len(sr.raw) > 0 && (first == nil || m.before(sr.raw[0], first.raw[0])) {
			first = sr
		}
	}
	if first == nil {
		return nil, nil, nil
	}
	raw = first.raw[0]
	first.raw = first.raw[1:]
	return raw, m.page.states.version(raw), nil
}

// round reads up to limit more items of each of shards, concurrently,
// then judges the imports that hold any of them.
func (m *shardMerge) round(ctx context.Context, shards []*shardRead, limit int) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, sr := range shards {
		g.Go(func() error {
			sr.in.Limit = aws.Int32(int32(min(max(limit, 1), 1000)))
			out, err := m.s.Client.Query(gctx, sr.in)
			if err != nil {
				return err
			}
			sr.raw = out.Items
			sr.in.ExclusiveStartKey, sr.done = out.LastEvaluatedKey, out.LastEvaluatedKey == nil
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var items []item
	for _, sr := range shards {
		items = append(items, sr.raw...)
	}
	return m.page.judge(ctx, items)
}

// before tells whether a comes before b in the read's order.
func (m *shardMerge) before(a, b item) bool {
	if m.descending {
		return getS(a, m.sortAttr) > getS(b, m.sortAttr)
	}
	return getS(a, m.sortAttr) < getS(b, m.sortAttr)
}

// more tells whether any shard may hold items not merged yet.
func (m *shardMerge) more() bool {
	for _, sr := range m.shards {
		if len(sr.raw) > 0 || !sr.done {
			return true
		}
	}
	return false
}

// TrackedRecords implements data.Store.
func (s *Records) TrackedRecords(ctx context.Context, number string) ([]data.TrackedRecord, error) {
	p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
		TableName: &s.Name, KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: item{":pk": str(dataTrackedPK(number))},
	})
	var out []data.TrackedRecord
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range pg.Items {
			get := func(name string) string {
				v, _ := it[name].(*types.AttributeValueMemberS)
				if v == nil {
					return ""
				}
				return v.Value
			}
			out = append(out, data.TrackedRecord{ProjectID: get("projectId"), Entity: get("entity"), Code: get("code")})
		}
	}
	return out, nil
}
