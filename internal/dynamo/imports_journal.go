package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

// journal entries, as stored.
type journalChange struct {
	entity, code, row string
	oldStamp          string // "" when no item is stored
	newItem           item   // the new version's record attributes
	gone              bool
}

type journalCheck struct {
	entity, code, row, field string
}

type journalChunk struct {
	changes []journalChange
	checks  []journalCheck
}

func (c journalChunk) item(id string, n int) item {
	it := importChunkKey(id, n)
	changes := make([]types.AttributeValue, len(c.changes))
	for i, ch := range c.changes {
		m := item{"e": str(ch.entity), "c": str(ch.code), "r": str(ch.row), "n": &types.AttributeValueMemberM{Value: ch.newItem}}
		if ch.oldStamp != "" {
			m["o"] = str(ch.oldStamp)
		}
		if ch.gone {
			m["g"] = bool1(true)
		}
		changes[i] = &types.AttributeValueMemberM{Value: m}
	}
	checks := make([]types.AttributeValue, len(c.checks))
	for i, ck := range c.checks {
		checks[i] = &types.AttributeValueMemberM{Value: item{"e": str(ck.entity), "c": str(ck.code), "r": str(ck.row), "f": str(ck.field)}}
	}
	it["expiresAt"] = num(time.Now().Add(importTTL).Unix())
	it["changes"] = &types.AttributeValueMemberL{Value: changes}
	it["checks"] = &types.AttributeValueMemberL{Value: checks}
	return it
}

func decodeChunk(it item) journalChunk {
	var c journalChunk
	if l, ok := it["changes"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			m := v.(*types.AttributeValueMemberM).Value
			ch := journalChange{entity: getS(m, "e"), code: getS(m, "c"), row: getS(m, "r"), oldStamp: getS(m, "o")}
			if n, ok := m["n"].(*types.AttributeValueMemberM); ok {
				ch.newItem = n.Value
			}
			if g, ok := m["g"].(*types.AttributeValueMemberBOOL); ok {
				ch.gone = g.Value
			}
			c.changes = append(c.changes, ch)
		}
	}
	if l, ok := it["checks"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			m := v.(*types.AttributeValueMemberM).Value
			c.checks = append(c.checks, journalCheck{entity: getS(m, "e"), code: getS(m, "c"), row: getS(m, "r"), field: getS(m, "f")})
		}
	}
	return c
}

// avSize estimates an attribute value's stored size.
func avSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += len(k) + avSize(e) + 1
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += avSize(e) + 1
		}
		return n
	}
	return 21
}

// newVersionItem is a change's new version as its record attributes
// (no keys or index attributes).
func newVersionItem(c data.Change) (item, error) { return recordAttrs(c.Entity, c.New) }

// StageImport implements data.ImportStore: the journal, then the
// transaction record, which makes the import exist.
func (s *Imports) StageImport(ctx context.Context, imp data.Import, p data.Plan) error {
	var chunks []journalChunk
	cur, size := journalChunk{}, 0
	flush := func() {
		if len(cur.changes)+len(cur.checks) > 0 {
			chunks = append(chunks, cur)
		}
		cur, size = journalChunk{}, 0
	}
	for _, c := range p.Changes {
		nv, err := newVersionItem(c)
		if err != nil {
			return err
		}
		jc := journalChange{entity: c.Entity.Name, code: c.New.Code, row: c.Row, newItem: nv, gone: c.New.Deleted}
		if c.Old != nil {
			jc.oldStamp = c.Old.SrvDateUTC.UTC().Format(data.StampLayout)
		}
		n := avSize(&types.AttributeValueMemberM{Value: nv}) + len(jc.code) + len(jc.row) + 64
		if len(cur.changes) == importChunkRows || size+n > importChunkBytes {
			flush()
		}
		cur.changes = append(cur.changes, jc)
		size += n
	}
	for _, ck := range p.Checks {
		if len(cur.checks) == importChunkRows {
			flush()
		}
		cur.checks = append(cur.checks, journalCheck{entity: ck.Entity.Name, code: ck.Code, row: ck.Row, field: ck.Field})
	}
	flush()
	freed, err := licencesFreed(p)
	if err != nil {
		return err
	}
	writes := make([]types.WriteRequest, len(chunks))
	for i, c := range chunks {
		writes[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: c.item(imp.ID, i)}}
	}
	if err := s.batchWrite(ctx, writes); err != nil {
		return err
	}
	now := imp.CreatedAt
	tx := importKey(imp.ID)
	values := item{}
	setSweep(values, imp.ID, sweep.Deadline(sweep.Running, now))
	tx["GSI3PK"], tx["GSI3SK"] = values[":gsi3pk"], values[":gsi3sk"]
	attrs := item{
		"id": str(imp.ID), "kind": str(sweep.KindImport), "importKind": str(string(imp.Kind)), "projectId": str(imp.ProjectID),
		"state": str(txPending), "chunks": num(int64(len(chunks))), "step": num(0), "reached": num(0),
		"added": num(int64(imp.Counts.Added)), "updated": num(int64(imp.Counts.Updated)),
		"deleted": num(int64(imp.Counts.Deleted)), "unchanged": num(int64(imp.Counts.Unchanged)),
		"queryCount": num(imp.Stats.QueryCount), "queryNanos": num(int64(imp.Stats.QueryDurationTotal)),
		"createdAt": str(formatTime(now)), "expiresAt": num(now.Add(importTTL).Unix()),
		"licencesFreed": num(int64(freed)),
	}
	for k, v := range attrs {
		tx[k] = v
	}
	_, err = s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Name, Item: tx, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	return err
}

func (s *Imports) readChunk(ctx context.Context, id string, n int) (journalChunk, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Name, Key: importChunkKey(id, n), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return journalChunk{}, err
	}
	if out.Item == nil {
		return journalChunk{}, fmt.Errorf("import %s: journal chunk %d missing", id, n)
	}
	return decodeChunk(out.Item), nil
}
