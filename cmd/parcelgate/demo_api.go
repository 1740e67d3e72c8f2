package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/apiclient"
	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
	"github.com/parcelgate/parcelgate/internal/job"
)

// The demo's exchanges with the API, through the client generated from
// the API document like every other command's: a change of the document
// that the demo's calls no longer fit breaks the build. (The messages'
// payloads are the exception: the document leaves them free-form.)

// demoAPI is the API the demo fills.
type demoAPI struct {
	base string
	http *http.Client
	api  *gen.ClientWithResponses // with the demo credential's token, after login
}

// reachable checks that a parcelgate API answers at base, with a public
// route.
func (a *demoAPI) reachable(ctx context.Context) error {
	public, err := apiclient.New(a.base, &apiclient.Doer{HTTP: a.http})
	if err != nil {
		return err
	}
	r, err := public.GetExpectedFlowWithResponse(ctx, "inpost_locker_standard")
	if err != nil {
		return err
	}
	_, err = apiclient.Expect(r.JSON200, r)
	return err
}

// login gets a token for the credential. The session lives in memory
// only: the demo's credential is not the user's login.
func (a *demoAPI) login(ctx context.Context, id, secret string) error {
	s, err := apiclient.Login(ctx, a.http, "", a.base, id, secret)
	if err != nil {
		return err
	}
	a.api, err = s.Client()
	return err
}

// subscribe adds the parcels' numbers to a new project of the demo's
// client, in jobs as a client would, and waits for the jobs: a project
// is what lists numbers by tag. It returns the project's id.
func (a *demoAPI) subscribe(ctx context.Context, parcels []demoParcel, seed uint64, timeout time.Duration) (string, error) {
	r, err := a.api.CreateProjectWithResponse(ctx, gen.CreateProjectRequest{Name: fmt.Sprintf("Demo parcels (seed %d)", seed)})
	if err != nil {
		return "", err
	}
	project, err := apiclient.Expect(r.JSON201, r)
	if err != nil {
		return "", err
	}
	var ids []string
	for chunk := range slices.Chunk(parcels, job.MaxNumbers) {
		numbers := make([]gen.TrackingNumberInput, len(chunk))
		for i, p := range chunk {
			numbers[i] = gen.TrackingNumberInput{TrackingNumber: p.Number, Carrier: omitEmpty(string(p.Carrier))}
		}
		ref := fmt.Sprintf("demo-%d-%d", seed, len(ids)+1)
		r, err := a.api.SubmitTrackingNumberJobWithResponse(ctx, project.ProjectId, nil,
			gen.SubmitTrackingNumberJobRequest{Action: gen.ADD, ExternalReference: &ref, TrackingNumbers: numbers})
		if err != nil {
			return "", err
		}
		j, err := apiclient.Expect(r.JSON202, r)
		if err != nil {
			return "", err
		}
		ids = append(ids, j.JobId)
	}
	deadline := time.Now().Add(timeout)
	for _, id := range ids {
		for {
			j, err := readJob(ctx, a.api, project.ProjectId, id)
			if err != nil {
				return "", err
			}
			if j.Status == gen.JobStatusCOMPLETED {
				break
			}
			if j.Status == gen.JobStatusFAILED || j.Status == gen.JobStatusNOTACCEPTED {
				return "", fmt.Errorf("job %s of project %s: %s", id, project.ProjectId, j.Status)
			}
			if time.Now().After(deadline) {
				return "", fmt.Errorf("job %s of project %s not done after %s", id, project.ProjectId, timeout)
			}
			if err := sleepCtx(ctx, 500*time.Millisecond); err != nil {
				return "", err
			}
		}
	}
	return project.ProjectId, nil
}

// wire is the message as POST /v1/messages takes it.
func (m demoMessage) wire() gen.Message {
	return gen.Message{MessageType: &m.MessageType, ExternalReference: &m.ExternalReference, Payload: m.Payload}
}

// send posts one request, retrying a few times when the server or the
// network fails: applying messages is idempotent, so a resent batch is
// harmless.
func (a *demoAPI) send(ctx context.Context, ref string, msgs []demoMessage) error {
	body := gen.InjectMessagesRequest{BatchReference: ref, Messages: make([]gen.InjectMessagesRequest_Messages_Item, len(msgs))}
	for i, m := range msgs {
		if err := body.Messages[i].FromMessage(m.wire()); err != nil {
			return err
		}
	}
	for attempt := 1; ; attempt++ {
		r, err := a.api.InjectMessagesWithResponse(ctx, body)
		if err == nil {
			if _, err := apiclient.Expect(r.JSON202, r); err != nil {
				return fmt.Errorf("batch %s: %w", ref, err)
			}
			return nil
		}
		var refused *apiclient.Error
		if (errors.As(err, &refused) && refused.Status < 500) || attempt == 3 || ctx.Err() != nil {
			return fmt.Errorf("batch %s: %w", ref, err)
		}
		if err := sleepCtx(ctx, time.Duration(attempt)*time.Second); err != nil {
			return err
		}
	}
}

// sendAll sends the batches, demoConcurrency at a time, printing progress.
func (a *demoAPI) sendAll(ctx context.Context, batches []demoBatch, ref string) error {
	var mu sync.Mutex
	done, parcels, msgs := 0, 0, 0
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(demoConcurrency)
	for i, b := range batches {
		g.Go(func() error {
			if err := a.send(ctx, fmt.Sprintf("%s-%03d", ref, i+1), b.Messages); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			done, parcels, msgs = done+1, parcels+b.Parcels, msgs+len(b.Messages)
			fmt.Printf("  %3d/%d requests accepted: %d parcels, %d messages\n", done, len(batches), parcels, msgs)
			return nil
		})
	}
	return g.Wait()
}

// waitApplied polls the last parcel of every batch until the server shows
// its final status, or until timeout; it returns how many batches were
// applied. Messages are applied per request, so that parcel stands for its
// request. (No route reports a request's progress; and a rerun with the
// same seed finds its parcels shown already.)
func (a *demoAPI) waitApplied(ctx context.Context, batches []demoBatch, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	pending := batches
	for len(pending) > 0 {
		var still []demoBatch
		for _, b := range pending {
			shown, err := a.shows(ctx, b.Last)
			if err != nil {
				return 0, err
			}
			if !shown {
				still = append(still, b)
			}
		}
		if len(still) != len(pending) {
			fmt.Printf("  %3d/%d requests processed\n", len(batches)-len(still), len(batches))
		}
		pending = still
		if len(pending) == 0 || time.Now().After(deadline) {
			break
		}
		if err := sleepCtx(ctx, 500*time.Millisecond); err != nil {
			return 0, err
		}
	}
	return len(batches) - len(pending), nil
}

// shows reports whether the server shows p with its final status; a
// parcel not yet known (404) is not shown yet.
func (a *demoAPI) shows(ctx context.Context, p demoParcel) (bool, error) {
	r, err := a.api.GetTrackingWithResponse(ctx, p.Number, nil)
	var refused *apiclient.Error
	if errors.As(err, &refused) && refused.Status == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	tr, err := apiclient.Expect(r.JSON200, r)
	if err != nil {
		return false, err
	}
	return tr.Status == p.Status, nil
}
