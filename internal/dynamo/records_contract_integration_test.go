//go:build integration

package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/data/datatest"
)

// One table serves the suite: each test uses a fresh project. The
// suite's projects have no project item, so their records are in the
// layout of projects created before the record shards (one partition);
// TestRecordsContractSharded runs it again in a project's 4 shards.
func TestRecordsContract(t *testing.T) {
	s := newStore(t)
	datatest.Run(t, func(*testing.T) data.Store { return s.Records })
}

func TestRecordsContractSharded(t *testing.T) {
	s := newStore(t)
	datatest.Run(t, func(*testing.T) data.Store { return shardedRecords{s.Records} })
}

// shardedRecords gives every project it meets the layout of a project
// created now before the store reads its count.
type shardedRecords struct{ *Records }

func (s shardedRecords) created(projectID string) {
	s.counts.m.LoadOrStore(projectID, layout{associationShards, recordShards})
}

func (s shardedRecords) Record(ctx context.Context, projectID string, e *data.Entity, code string) (data.Record, error) {
	s.created(projectID)
	return s.Records.Record(ctx, projectID, e, code)
}

func (s shardedRecords) SaveRecord(ctx context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record) error {
	s.created(projectID)
	return s.Records.SaveRecord(ctx, projectID, e, old, rec)
}

func (s shardedRecords) RemoveRecord(ctx context.Context, projectID string, e *data.Entity, old data.Record) error {
	s.created(projectID)
	return s.Records.RemoveRecord(ctx, projectID, e, old)
}

func (s shardedRecords) ReadRecords(ctx context.Context, r data.Read) ([]data.Record, string, error) {
	s.created(r.ProjectID)
	return s.Records.ReadRecords(ctx, r)
}

func (s shardedRecords) MarkExported(ctx context.Context, projectID string, e *data.Entity, code string, stamp time.Time, value int64) (data.Conflict, error) {
	s.created(projectID)
	return s.Records.MarkExported(ctx, projectID, e, code, stamp, value)
}
