package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/parcelgate/parcelgate/internal/outage"
)

// Every request is answered within its deadline, counted from its arrival:
// API Gateway gives up on an integration after GatewayLimit and answers
// 504 itself, with no Retry-After and no body of ours, so a store or
// queue that does not answer gets our 503 well before that.
const (
	// DefaultDeadline is the deadline of every request (API.Deadline
	// changes it, for tests). DynamoDB and SQS answer in milliseconds, so
	// a request still waiting after seconds waits for a service in
	// trouble; ten seconds leaves room for a retry of a slow call and
	// keeps a caller from waiting long for a 503.
	DefaultDeadline = 10 * time.Second
	// GatewayLimit is API Gateway's integration timeout.
	GatewayLimit = 29 * time.Second
)

// The deadline's parts, in tenths of it from the request's arrival: store
// and queue calls end at storeTenths (the handler answers 503 itself);
// clean-ups of what they left half-done end at answerTenths, when the
// wrapper answers 503 for a handler still busy; the rest carries the
// answer back through API Gateway.
const (
	storeTenths  = 8
	answerTenths = 9
)

// errNoAnswer is why the wrapper answered for the handler.
var errNoAnswer = outage.Wrap(errors.New("the handler did not answer before the request's deadline"))

type arrivalKey struct{}

// WithArrival records when the request arrived, for a server that knows
// better than the handler's own clock (API Gateway's requestTimeEpoch,
// a cold start before the handler ran).
func WithArrival(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, arrivalKey{}, t)
}

// arrival is when r arrived: as WithArrival recorded, or now.
func arrival(r *http.Request) time.Time {
	if t, ok := r.Context().Value(arrivalKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}

// Answered is what the deadline wrapper observed of one answer (API.Observe).
type Answered struct {
	Route  string
	Status int
	// Elapsed is from the request's arrival to its answer.
	Elapsed time.Duration
	// StoreBudget is the time the handler's context gave store and queue
	// calls, from the request's arrival.
	StoreBudget time.Duration
	// Late says the handler had not answered when the answer was due, so
	// the wrapper answered 503 and dropped what the handler wrote after.
	Late bool
}

// deadline is the API's deadline, checked against API Gateway's limit.
func (a *API) deadline() (time.Duration, error) {
	d := a.Deadline
	if d <= 0 {
		d = DefaultDeadline
	}
	if d >= GatewayLimit {
		return 0, fmt.Errorf("deadline %s is not under API Gateway's %s", d, GatewayLimit)
	}
	return d, nil
}

// withDeadline answers every request of rt within d of its arrival. The
// handler runs with a context ending at the store part of d; should it
// still be busy when the answer is due, the wrapper answers 503 in the
// route's own error shape, and whatever the handler writes afterwards is
// dropped, so a client never gets two answers or half of one.
func (a *API) withDeadline(rt Route, d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := arrival(r)
		storeBy, answerBy := arrived.Add(d*storeTenths/10), arrived.Add(d*answerTenths/10)
		ctx, cancel := context.WithDeadline(outage.WithAnswerBy(r.Context(), answerBy), storeBy)
		defer cancel()
		bw := &bufferedWriter{header: http.Header{}}
		done := make(chan any, 1)
		go func() {
			defer func() {
				p := recover()
				bw.finish()
				done <- p
			}()
			next.ServeHTTP(bw, r.WithContext(ctx))
		}()
		timer := time.NewTimer(time.Until(answerBy))
		defer timer.Stop()
		answered := Answered{Route: rt.Pattern(), StoreBudget: storeBy.Sub(arrived)}
		out := bw
		select {
		case p := <-done:
			if p != nil {
				panic(p) // logRequests answers it
			}
		case <-timer.C:
			if !bw.close() {
				if p := <-done; p != nil {
					panic(p)
				}
				break
			}
			answered.Late = true
			go a.reportLatePanic(r, done)
			out = &bufferedWriter{header: http.Header{}}
			a.writeRouteError(out, r.WithContext(ctx), rt.Errors, errNoAnswer)
		}
		answered.Status, answered.Elapsed = out.statusOrOK(), time.Since(arrived)
		if a.Observe != nil {
			a.Observe(answered)
		}
		out.flush(w)
	})
}

// reportLatePanic logs a panic of a handler answered for: nobody else
// recovers it, and it must not take the process down.
func (a *API) reportLatePanic(r *http.Request, done <-chan any) {
	if p := <-done; p != nil && a.Logger != nil {
		a.Logger.ErrorContext(r.Context(), "panic after the deadline", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
	}
}

// bufferedWriter holds a handler's answer until the wrapper sends it, and
// refuses writes once the wrapper answered instead.
type bufferedWriter struct {
	header http.Header
	mu     sync.Mutex
	status int
	body   bytes.Buffer
	// closed: the wrapper answered; finished: the handler returned.
	closed, finished bool
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.status == 0 && !b.closed {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, http.ErrHandlerTimeout
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finished = true
}

// close stops further writes; false means the handler had finished, and
// its answer is whole.
func (b *bufferedWriter) close() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = !b.finished
	return b.closed
}

func (b *bufferedWriter) statusOrOK() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// flush sends the answer held.
func (b *bufferedWriter) flush(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.statusOrOK())
	_, _ = w.Write(b.body.Bytes())
}
