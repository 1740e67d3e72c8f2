//go:build integration

package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/data/importtest"
)

// One table serves every test of the suite: each uses its own project
// and import ids.
func TestImportStoreContract(t *testing.T) {
	s := newStore(t)
	importtest.Run(t, func(*testing.T) (data.ImportStore, importtest.Seed) {
		return s.Imports, s.Records.SaveRecord
	})
	// Only DynamoDB's runs can stop between steps (memory's commit at
	// once): FailImport after a crash rolls back what the run locked, or
	// finishes what it committed.
	t.Run("FailImportAfterACrashBeforeTheCommitPointRollsBack", func(t *testing.T) {
		failAfterCrash(t, s, "locked 0", false)
	})
	t.Run("FailImportAfterACrashPastTheCommitPointFinishes", func(t *testing.T) {
		failAfterCrash(t, s, "committed", true)
	})
}

func failAfterCrash(t *testing.T, s *Adapters, step string, committed bool) {
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	project, id := "imp-"+hex.EncodeToString(b), "imp-"+hex.EncodeToString(b)
	users, _ := data.DefaultCatalog.Entity("baseuser")
	stamp := time.Now().UTC().Truncate(time.Microsecond)
	old := data.Record{Entity: users.Name, Code: "u1", SrvDateUTC: stamp, Values: map[string]any{"name": "Ada"}}
	if err := s.Records.SaveRecord(ctx, project, users, nil, old); err != nil {
		t.Fatal(err)
	}
	renamed := data.Record{Entity: users.Name, Code: "u1", SrvDateUTC: stamp.Add(time.Microsecond), Values: map[string]any{"name": "Ada King"}}
	added := data.Record{Entity: users.Name, Code: "u2", SrvDateUTC: stamp.Add(time.Microsecond), Values: map[string]any{"name": "Bob"}}
	p := data.Plan{ProjectID: project, Changes: []data.Change{
		{Entity: users, Old: &old, New: renamed, Row: "[0]"}, {Entity: users, New: added, Row: "[1]"},
	}}
	crashing := *s.Imports
	crashing.Lease = 300 * time.Millisecond
	crashing.Hook = func(_ context.Context, _, at string) error {
		if at == step {
			return errCrash
		}
		return nil
	}
	if err := crashing.StageImport(ctx, data.Import{ID: id, ProjectID: project, Kind: data.KindBulk, CreatedAt: time.Now().UTC()}, p); err != nil {
		t.Fatal(err)
	}
	if _, err := crashing.RunImport(ctx, id, time.Now().Add(time.Minute)); !errors.Is(err, errCrash) {
		t.Fatalf("RunImport: %v, want the crash", err)
	}
	time.Sleep(400 * time.Millisecond) // the crashed run's lease expires
	imp, err := s.Imports.FailImport(ctx, id, "processing gave up")
	if err != nil {
		t.Fatalf("FailImport: %v", err)
	}
	got, err := s.Imports.Records(ctx, project, users, []string{"u1", "u2"})
	if err != nil {
		t.Fatal(err)
	}
	if committed {
		if imp.Status != data.ImportCompleted || got["u1"].Values["name"] != "Ada King" || got["u2"].Code != "u2" {
			t.Fatalf("FailImport past the commit point: %+v, records %+v; want COMPLETED with both written", imp, got)
		}
		return
	}
	if imp.Status != data.ImportFailed || len(got) != 1 || !got["u1"].SrvDateUTC.Equal(old.SrvDateUTC) {
		t.Fatalf("FailImport before the commit point: %+v, records %+v; want FAILED with nothing changed", imp, got)
	}
	// The locks are gone: a single write of the record goes through.
	if err := s.Records.SaveRecord(ctx, project, users, &old, renamed); err != nil {
		t.Errorf("SaveRecord after the rollback: %v", err)
	}
}
