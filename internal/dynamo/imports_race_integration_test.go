//go:build integration

package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/data"
)

// raceFixture is a project with stored users and the store to import into.
type raceFixture struct {
	t       *testing.T
	ctx     context.Context
	s       *Adapters
	project string
	users   *data.Entity
	last    time.Time
}

func newRaceFixture(t *testing.T, s *Adapters) *raceFixture {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	users, _ := data.DefaultCatalog.Entity("baseuser")
	return &raceFixture{t: t, ctx: context.Background(), s: s, project: "race-" + hex.EncodeToString(b), users: users}
}

func (f *raceFixture) stamp() time.Time {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if !now.After(f.last) {
		now = f.last.Add(time.Microsecond)
	}
	f.last = now
	return now
}

func (f *raceFixture) user(code, name string) data.Record {
	return data.Record{Entity: f.users.Name, Code: code, SrvDateUTC: f.stamp(), Values: map[string]any{"login": code, "name": name}}
}

// stored saves a new user and returns it.
func (f *raceFixture) stored(code, name string) data.Record {
	f.t.Helper()
	u := f.user(code, name)
	if err := f.s.Records.SaveRecord(f.ctx, f.project, f.users, nil, u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// plan writes the names given, each over the committed version read now,
// as the import planner does.
func (f *raceFixture) plan(names map[string]string, codes ...string) data.Plan {
	f.t.Helper()
	cur, err := f.s.Imports.Records(f.ctx, f.project, f.users, codes)
	if err != nil {
		f.t.Fatal(err)
	}
	p := data.Plan{ProjectID: f.project}
	for i, code := range codes {
		c := data.Change{Entity: f.users, New: f.user(code, names[code]), Row: fmt.Sprintf("[%d]", i)}
		if old, ok := cur[code]; ok {
			c.Old = &old
		}
		p.Changes = append(p.Changes, c)
	}
	return p
}

func (f *raceFixture) stage(s *Imports, p data.Plan) string {
	f.t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	id := "race-" + hex.EncodeToString(b)
	if err := s.StageImport(f.ctx, data.Import{ID: id, ProjectID: f.project, Kind: data.KindBulk, CreatedAt: time.Now().UTC()}, p); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// names reads the committed names of the codes ("" for none).
func (f *raceFixture) names(codes ...string) map[string]string {
	f.t.Helper()
	got, err := f.s.Imports.Records(f.ctx, f.project, f.users, codes)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range codes {
		if r, ok := got[c]; ok {
			out[c], _ = r.Values["name"].(string)
		} else {
			out[c] = ""
		}
	}
	return out
}

func (f *raceFixture) locks(codes ...string) []string {
	f.t.Helper()
	var held []string
	for _, c := range codes {
		raw, err := f.s.Table.getRaw(f.ctx, recordKey(legacyRecordShards, f.project, f.users.Name, c))
		if err != nil {
			f.t.Fatal(err)
		}
		if raw[attrTx] != nil || raw[attrTxNew] != nil || raw[attrTxReaders] != nil {
			held = append(held, c)
		}
	}
	return held
}

// An import sent again while the failed one is still rolling back meets
// that one's locks; when the rollback releases a lock between the new
// import's refused lock write and its read of the record, the record is
// as the new import planned it, and the import goes through.
func TestImportSentAgainWhileTheFailedOneRollsBackCompletes(t *testing.T) {
	s := newStore(t)
	for _, tc := range []struct{ name, row string }{
		{"LockOfAStoredRecordReleased", "[0]"},
		{"PlaceholderOfANewRecordDeleted", "[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRaceFixture(t, s)
			f.stored("u1", "Ada")

			// The first import crashes with both rows locked: u1 and a
			// placeholder for the new u2.
			crashing := *s.Imports
			crashing.Lease = 300 * time.Millisecond
			crashing.Hook = func(_ context.Context, _, step string) error {
				if step == "locked 0" {
					return errCrash
				}
				return nil
			}
			first := f.stage(&crashing, f.plan(map[string]string{"u1": "v1", "u2": "v1"}, "u1", "u2"))
			if _, err := crashing.RunImport(f.ctx, first, time.Now().Add(time.Minute)); !errors.Is(err, errCrash) {
				t.Fatalf("first RunImport: %v, want the crash", err)
			}
			time.Sleep(400 * time.Millisecond) // its lease runs out

			// Sent again: planned over what readers see, the stored u1.
			again := f.plan(map[string]string{"u1": "v2", "u2": "v2"}, "u1", "u2")
			if again.Changes[0].Old == nil || again.Changes[1].Old != nil {
				t.Fatalf("plan of the import sent again: %+v", again.Changes)
			}
			// The failed import is rolled back right after the row's lock
			// write was refused, before the runner reads the record.
			var rolledBack sync.Once
			racing := *s.Imports
			racing.Hook = func(ctx context.Context, _, step string) error {
				if step == "refused "+tc.row {
					rolledBack.Do(func() {
						imp, err := s.Imports.FailImport(ctx, first, "processing gave up")
						if err != nil || imp.Status != data.ImportFailed {
							t.Errorf("FailImport: %+v, %v", imp, err)
						}
					})
				}
				return nil
			}
			id := f.stage(&racing, again)
			imp, err := racing.RunImport(f.ctx, id, time.Now().Add(time.Minute))
			if err != nil || imp.Status != data.ImportCompleted {
				t.Fatalf("import sent again: %+v (failure %+v), %v; want COMPLETED", imp, imp.Failure, err)
			}
			if got := f.names("u1", "u2"); got["u1"] != "v2" || got["u2"] != "v2" {
				t.Errorf("after the import sent again: %v, want both v2", got)
			}
			if held := f.locks("u1", "u2"); len(held) > 0 {
				t.Errorf("still locked: %v", held)
			}
		})
	}
}

// A runner that lost its lease may lock a row after its import was rolled
// back. Readers ignore that lock; versioned single writes, imports and
// export acknowledgements of the record, whose srvDateUTC is unchanged,
// settle it and go through instead of reporting a change.
func TestLateLockOfARolledBackImportRefusesNoWriteOfTheUnchangedRecord(t *testing.T) {
	s := newStore(t)
	f := newRaceFixture(t, s)
	u1, u3, u5 := f.stored("u1", "Ada"), f.stored("u3", "Cy"), f.stored("u5", "Ed")
	f.stored("u4", "Di")
	codes := []string{"u1", "u2", "u3", "u4", "u5"}
	id := f.stage(s.Imports, f.plan(map[string]string{"u1": "x", "u2": "x", "u3": "x", "u4": "x", "u5": "x"}, codes...))

	// The late runner read its chunk, then lost its lease; the import is
	// rolled back with nothing locked; then the runner's writes land.
	chunk, err := s.Imports.readChunk(f.ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if imp, err := s.Imports.FailImport(f.ctx, id, "processing gave up"); err != nil || imp.Status != data.ImportFailed {
		t.Fatalf("FailImport: %+v, %v", imp, err)
	}
	late := &runner{s: s.Imports, id: id, tx: txRecord{ProjectID: f.project}}
	for _, ch := range chunk.changes {
		if fail, err := late.lockChange(f.ctx, ch); fail != nil || err != nil {
			t.Fatalf("late lock of %s: %+v, %v", ch.code, fail, err)
		}
	}
	if held := f.locks(codes...); len(held) != len(codes) {
		t.Fatalf("late locks on %v, want all of %v", held, codes)
	}
	if got := f.names(codes...); got["u1"] != "Ada" || got["u2"] != "" || got["u3"] != "Cy" {
		t.Fatalf("readers see %v, want the records as before the import", got)
	}

	// A PUT with If-Match of the version read.
	if err := s.Records.SaveRecord(f.ctx, f.project, f.users, &u1, f.user("u1", "Ada King")); err != nil {
		t.Errorf("SaveRecord over the version read: %v", err)
	}
	// A POST of a code the import would have added.
	if err := s.Records.SaveRecord(f.ctx, f.project, f.users, nil, f.user("u2", "Bob")); err != nil {
		t.Errorf("SaveRecord of a new code: %v", err)
	}
	// Export acknowledgement of the version read.
	if c, err := s.Records.MarkExported(f.ctx, f.project, f.users, "u3", u3.SrvDateUTC, 1); err != nil || c.Reason != "" {
		t.Errorf("MarkExported of the version read: conflict %+v, %v", c, err)
	}
	// An import small enough for one transaction.
	if err := s.Imports.CommitPlan(f.ctx, f.plan(map[string]string{"u4": "Di Li"}, "u4")); err != nil {
		t.Errorf("CommitPlan over the version read: %v", err)
	}
	// A physical DELETE with If-Match of the version read.
	if err := s.Records.RemoveRecord(f.ctx, f.project, f.users, u5); err != nil {
		t.Errorf("RemoveRecord of the version read: %v", err)
	}
	if got := f.names(codes...); got["u1"] != "Ada King" || got["u2"] != "Bob" || got["u3"] != "Cy" || got["u4"] != "Di Li" || got["u5"] != "" {
		t.Errorf("after the writes: %v", got)
	}
	if got, err := s.Imports.Records(f.ctx, f.project, f.users, []string{"u3"}); err != nil || got["u3"].SrvExport != 1 {
		t.Errorf("u3 after its acknowledgement: %+v, %v", got["u3"], err)
	}
	if held := f.locks(codes...); len(held) > 0 {
		t.Errorf("still locked: %v", held)
	}
}

// A record an import's row names is held for a moment by a physical
// delete (its short lock) when the import marks it read. If the delete
// gives up, the record is there and the import goes through; if the
// delete removes it, the row fails as naming no record.
func TestImportCitingARecordAPhysicalDeleteHoldsWaitsForTheDelete(t *testing.T) {
	s := newStore(t)
	for _, tc := range []struct {
		name    string
		deleted bool
	}{
		{"DeleteGivesUp", false},
		{"DeleteGoesThrough", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRaceFixture(t, s)
			f.stored("u1", "Ada")
			key := recordKey(legacyRecordShards, f.project, f.users.Name, "u1")
			// The first step of RemoveRecord: the delete's short lock.
			if _, err := s.Table.Client.UpdateItem(f.ctx, &dynamodb.UpdateItemInput{
				TableName: &s.Table.Name, Key: key,
				UpdateExpression:          aws.String("SET #lock = :tok, lockUntil = :until"),
				ExpressionAttributeNames:  map[string]string{"#lock": attrRecordLock},
				ExpressionAttributeValues: item{":tok": str("delete-1"), ":until": num(time.Now().Add(deleteLockTTL).Unix())},
			}); err != nil {
				t.Fatal(err)
			}
			p := f.plan(map[string]string{"u2": "Bo"}, "u2")
			p.Checks = []data.Check{{Entity: f.users, Code: "u1", Row: "[0]", Field: "manager"}}
			// The delete ends right after the import's read mark was refused.
			var ended sync.Once
			racing := *s.Imports
			racing.Hook = func(ctx context.Context, _, step string) error {
				if step == "refused [0].manager" {
					ended.Do(func() {
						var err error
						if tc.deleted {
							_, err = s.Table.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table.Name, Key: key})
						} else {
							_, err = s.Table.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
								TableName: &s.Table.Name, Key: key, UpdateExpression: aws.String("REMOVE #lock, lockUntil"),
								ExpressionAttributeNames: map[string]string{"#lock": attrRecordLock},
							})
						}
						if err != nil {
							t.Error(err)
						}
					})
				}
				return nil
			}
			id := f.stage(&racing, p)
			imp, err := racing.RunImport(f.ctx, id, time.Now().Add(time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.deleted && (imp.Status != data.ImportFailed || imp.Failure == nil || imp.Failure.Reason != data.FailInvalid):
				t.Errorf("import citing a record deleted meanwhile: %+v (failure %+v), want FAILED invalid", imp, imp.Failure)
			case !tc.deleted && imp.Status != data.ImportCompleted:
				t.Errorf("import citing a record whose delete gave up: %+v (failure %+v), want COMPLETED", imp, imp.Failure)
			}
			if held := f.locks("u1", "u2"); len(held) > 0 {
				t.Errorf("still locked: %v", held)
			}
		})
	}
}
