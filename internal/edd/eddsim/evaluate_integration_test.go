//go:build integration

package eddsim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

// dynamoBackend is a backend over a table of its own on the emulators.
func dynamoBackend(t *testing.T) Backend {
	t.Helper()
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := samtemplate.Load(filepath.Join("..", "..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	res, err := devstack.Provision(ctx, cfg, tmpl, "e"+hex.EncodeToString(b))
	if err != nil {
		t.Fatal(err)
	}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	return DynamoBackend(dynamo.Open(client, res.Tables["Table"], dynamo.Options{}))
}

// The same seeded evaluation gives the same estimates, to the
// nanosecond, and so the same figures, on the memory backend and over
// the wire: the DynamoDB aggregates (sharded, counted once) hold what the
// memory ones hold. Half the parcels are scored so that some estimates
// come from the project's own deliveries rather than the table; requests
// of 12 hours of history keep the run to some forty windows.
func TestEvaluationIsTheSameOnMemoryAndOverTheWire(t *testing.T) {
	ctx := context.Background()
	o := DefaultOptions()
	o.Parcels, o.Span, o.Scored, o.Window = 250, 3*week, 0.5, 12*time.Hour
	mem, err := Evaluate(ctx, o, MemoryBackend())
	if err != nil {
		t.Fatal(err)
	}
	wire, err := Evaluate(ctx, o, dynamoBackend(t))
	if err != nil {
		t.Fatal(err)
	}
	if mem.Delivered == 0 || mem.Coverage() == 0 || mem.ByBasis[edd.BasisStandard] == mem.Scored {
		t.Fatalf("no learned estimate to compare: %+v", mem.ByBasis)
	}
	if mem.level(edd.Low).N == 0 || mem.Every.Learned.N <= mem.Delivered {
		t.Fatalf("no low-confidence estimate or no re-estimate to compare: %+v", mem.ByConfidence)
	}
	for _, c := range []struct {
		name      string
		mem, wire []Point
	}{{"at pick-up", mem.Points, wire.Points}, {"re-estimates", mem.Reestimates, wire.Reestimates}} {
		if len(c.mem) != len(c.wire) {
			t.Fatalf("%s: %d on memory, %d over the wire", c.name, len(c.mem), len(c.wire))
		}
		for i, m := range c.mem {
			w := c.wire[i]
			if m.Number != w.Number || !m.Made.Equal(w.Made) || !same(m.Learned, w.Learned) || !same(m.Standard, w.Standard) {
				t.Errorf("%s of %s: memory %+v\nover the wire %+v", c.name, m.Number, m, w)
			}
		}
	}
	var a, b testWriter
	if err := mem.Table(&a); err != nil {
		t.Fatal(err)
	}
	if err := wire.Table(&b); err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Errorf("memory:\n%s\nover the wire:\n%s", a, b)
	}
	t.Logf("\n%s", a)
}

func same(a, b edd.Estimate) bool {
	return a.Earliest.Equal(b.Earliest) && a.Likely.Equal(b.Likely) && a.Latest.Equal(b.Latest) &&
		a.Confidence == b.Confidence && a.Basis == b.Basis
}
