package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/outbox"
	"github.com/parcelgate/parcelgate/internal/project"
	"github.com/parcelgate/parcelgate/internal/report/pdf"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// clock is the tests' time at its start.
var clock = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

var (
	admin  = project.Caller{ClientID: "acme", PrincipalID: "ann"}
	viewer = project.Caller{ClientID: "acme", PrincipalID: "vic"}
)

// reportQueue keeps the tasks sent, and fails while err is set.
type reportQueue struct {
	sent []outbox.Task
	err  error
}

func (q *reportQueue) SendReport(_ context.Context, t outbox.Task) error {
	if q.err != nil {
		return q.err
	}
	q.sent = append(q.sent, t)
	return nil
}

// mailer keeps the mails sent, and answers err while it is set.
type mailer struct {
	sent []outbox.Mail
	err  error
}

func (m *mailer) Send(_ context.Context, mail outbox.Mail) (string, error) {
	if m.err != nil {
		return "", m.err
	}
	m.sent = append(m.sent, mail)
	return fmt.Sprintf("mail-%d", len(m.sent)), nil
}

// trackingFake answers every number with res, or err.
type trackingFake struct {
	res tracking.Resource
	err error
}

func (f trackingFake) Get(context.Context, string, int) (tracking.Resource, error) {
	return f.res, f.err
}

// env is the outbox over memory stores: project p1 (ann admin, vic
// viewer) with a PDF report definition r1 for orders, order o1, user u1
// and document d1 holding a logo.
type env struct {
	svc     outbox.Service
	worker  outbox.Worker
	store   *memory.Outbox
	data    data.Service
	queue   *reportQueue
	mailer  *mailer
	tracker *trackingFake
	now     time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{store: &memory.Outbox{}, queue: &reportQueue{}, mailer: &mailer{}, tracker: &trackingFake{err: tracking.ErrNotFound}, now: clock}
	now := func() time.Time { return e.now }
	n := 0
	newID := func() string { n++; return fmt.Sprintf("id%d", n) }
	projects := project.Service{Store: &memory.Projects{}, Now: now, NewID: func() string { return "p1" }}
	m, err := projects.Create(ctx, admin, "Reports")
	if err != nil {
		t.Fatal(err)
	}
	if err := projects.Store.PutMember(ctx, m.Project, project.Member{ProjectID: "p1", PrincipalID: viewer.PrincipalID, Role: project.Viewer, AddedAt: clock}, ""); err != nil {
		t.Fatal(err)
	}
	e.data = data.Service{Store: &memory.Records{}, Projects: projects, Catalog: data.DefaultCatalog, Now: now, NewID: newID}
	e.svc = outbox.Service{Store: e.store, Queue: e.queue, Records: e.data, Catalog: data.DefaultCatalog, Now: now, NewID: newID}
	e.worker = outbox.Worker{Store: e.store, Records: e.data, Catalog: data.DefaultCatalog, Tracking: e.tracker, Renderer: pdf.Renderer{}, Mailer: e.mailer,
		From: "reports@example.com", Now: now, NewID: newID, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.put(t, "confreport", "r1", map[string]any{"name": "Order sheet", "sourceEntity": "order", "format": "PDF"})
	e.put(t, "order", "o1", map[string]any{"orderNumber": "A-1", "itemCount": int64(3), "totalAmount": data.Dec("12.50"), "orderDate": clock})
	e.put(t, "baseuser", "u1", map[string]any{"login": "ann"})
	e.put(t, "document", "d1", map[string]any{"name": "logo", "content": []byte("PNG...")})
	return e
}

func (e *env) entity(t *testing.T, name string) *data.Entity {
	t.Helper()
	ent, ok := data.DefaultCatalog.Entity(name)
	if !ok {
		t.Fatalf("no entity %s", name)
	}
	return ent
}

func (e *env) put(t *testing.T, entity, code string, values map[string]any) {
	t.Helper()
	if _, err := e.data.Create(context.Background(), "p1", e.entity(t, entity), data.Write{Code: code, Values: values}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) update(t *testing.T, entity, code string, values map[string]any) {
	t.Helper()
	if _, err := e.data.Update(context.Background(), "p1", e.entity(t, entity), code, data.Write{Values: values}, time.Time{}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) remove(t *testing.T, entity, code string) {
	t.Helper()
	if err := e.data.Delete(context.Background(), "p1", e.entity(t, entity), code, data.Physical, time.Time{}); err != nil {
		t.Fatal(err)
	}
}

// request is an order report of o1 for u1, mailed to bob.
func request() outbox.Request {
	return outbox.Request{BaseOutboxID: "b1", ConfReportID: "r1", RowID: "o1", SourceEntity: "order", BaseUserID: "u1",
		FromArchive: outbox.ArchiveNever, Filename: "order-o1.pdf", EmailTo: []string{"bob@example.com"}}
}

func (e *env) submit(t *testing.T, r outbox.Request) outbox.Item {
	t.Helper()
	it, err := e.svc.Submit(context.Background(), admin, "p1", r)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func (e *env) item(t *testing.T, id string) outbox.Item {
	t.Helper()
	it, err := e.store.OutboxItem(context.Background(), "p1", id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func (e *env) handle(t *testing.T, it outbox.Item) error {
	t.Helper()
	return e.worker.Handle(context.Background(), outbox.Task{ProjectID: "p1", OutboxID: it.ID})
}
