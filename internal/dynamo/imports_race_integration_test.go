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

	"github.com/parcelgate/parcelgate/internal/data"
)

// raceFixture is a project with stored users and the store to import into.
type raceFixture struct {
	t       *testing.T
	ctx     context.Context
	s       *Store
	project string
	users   *data.Entity
	last    time.Time
}

func newRaceFixture(t *testing.T, s *Store) *raceFixture {
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
	if err := f.s.SaveRecord(f.ctx, f.project, f.users, nil, u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// plan writes the names given, each over the committed version read now,
// as the import planner does.
func (f *raceFixture) plan(names map[string]string, codes ...string) data.Plan {
	f.t.Helper()
	cur, err := f.s.Records(f.ctx, f.project, f.users, codes)
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

func (f *raceFixture) stage(s *Store, p data.Plan) string {
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
	got, err := f.s.Records(f.ctx, f.project, f.users, codes)
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
		raw, err := f.s.getRaw(f.ctx, recordKey(f.project, f.users.Name, c))
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
			crashing := *s
			crashing.ImportLease = 300 * time.Millisecond
			crashing.ImportHook = func(_ context.Context, _, step string) error {
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
			racing := *s
			racing.ImportHook = func(ctx context.Context, _, step string) error {
				if step == "refused "+tc.row {
					rolledBack.Do(func() {
						imp, err := s.FailImport(ctx, first, "processing gave up")
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
