//go:build integration

package systemtest

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
	"github.com/parcelgate/parcelgate/internal/apitest"
)

// TestREADMEWalkthroughThroughTheGeneratedClient is the README's
// walkthrough as an integrator's Go program would make it: every call goes
// through the client oapi-codegen generates from the served document, over
// apitest's transport, which checks each exchange against that document.
// A route whose answers the generated types cannot read fails here.
func TestREADMEWalkthroughThroughTheGeneratedClient(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	ctx := context.Background()
	id, secret := e.Principal(t, "demo")

	public, err := gen.NewClientWithResponses(e.URL, gen.WithHTTPClient(e.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	// A token, from a JSON body; the form post's answer is RFC 6749's.
	tr, err := public.CreateTokenWithResponse(ctx, gen.CreateTokenJSONRequestBody{ClientId: id, ClientSecret: secret})
	token, err := body(t, tr, tr.JSON200, err).AsTokenResponse()
	if err != nil || token.AccessToken == "" || token.TokenType != gen.TokenResponseTokenTypeBearer {
		t.Fatalf("token %+v: %v", token, err)
	}
	ftr, err := public.CreateTokenWithFormdataBodyWithResponse(ctx, gen.CreateTokenFormdataRequestBody{
		GrantType: gen.ClientCredentials, ClientId: &id, ClientSecret: &secret})
	oauth, err := body(t, ftr, ftr.JSON200, err).AsOAuthTokenResponse()
	if err != nil || oauth.AccessToken == "" || oauth.ExpiresIn != token.ExpiresIn {
		t.Fatalf("OAuth2 token %+v: %v", oauth, err)
	}

	api, err := gen.NewClientWithResponses(e.URL, gen.WithHTTPClient(e.HTTPClient()),
		gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token.AccessToken)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	// A project; the caller is its admin.
	pr, err := api.CreateProjectWithResponse(ctx, gen.CreateProjectJSONRequestBody{Name: "Spring launch"})
	project := body(t, pr, pr.JSON201, err)
	if project.Role != gen.Admin {
		t.Fatalf("project %+v", project)
	}
	p := project.ProjectId

	// A webhook to a receiver in the test, before anything happens.
	rc := newReceiver(t, nil)
	wr, err := api.CreateWebhookWithResponse(ctx, p, gen.CreateWebhookJSONRequestBody{
		Url: rc.srv.URL + "/hooks", Events: []gen.EventType{gen.JobCompleted, gen.TrackingUpdated}})
	rc.trust(body(t, wr, wr.JSON201, err).Secret)
	rc.env = e

	// A job of three numbers, one of them invalid.
	key := "batch-42"
	ups := "ups"
	jr, err := api.SubmitTrackingNumberJobWithResponse(ctx, p, &gen.SubmitTrackingNumberJobParams{IdempotencyKey: &key},
		gen.SubmitTrackingNumberJobJSONRequestBody{Action: gen.ADD, ExternalReference: &key, TrackingNumbers: []gen.TrackingNumberInput{
			{TrackingNumber: "1Z999AA10123456784", Carrier: &ups},
			{TrackingNumber: "612345678901234567890123"},
			{TrackingNumber: "1234567890"},
		}})
	job := body(t, jr, jr.JSON202, err)
	e.AwaitIdle(t)
	lr, err := api.ListTrackingNumberJobsWithResponse(ctx, p, &gen.ListTrackingNumberJobsParams{JobId: &job.JobId})
	jobs := body(t, lr, lr.JSON200, err)
	if len(jobs.Items) != 1 || jobs.Items[0].Status != gen.JobStatusCOMPLETED || jobs.Items[0].Counts.Added != 2 || jobs.Items[0].Counts.Invalid != 1 {
		t.Fatalf("jobs %+v", jobs.Items)
	}
	rr, err := api.GetTrackingNumberJobReportWithResponse(ctx, p, job.JobId)
	report := body(t, rr, rr.JSON200, err)
	var outcomes []gen.ReportResultOutcome
	for _, r := range report.Results {
		outcomes = append(outcomes, r.Outcome)
	}
	if !slices.Equal(outcomes, []gen.ReportResultOutcome{gen.ReportResultOutcomeADDED, gen.ReportResultOutcomeADDED, gen.ReportResultOutcomeINVALID}) {
		t.Fatalf("report %+v", report.Results)
	}
	nr, err := api.ListTrackingNumbersWithResponse(ctx, p, nil)
	if numbers := body(t, nr, nr.JSON200, err); len(numbers.Items) != 2 {
		t.Fatalf("numbers %+v", numbers.Items)
	}

	// Tracking data for one of them: a shipment and two events, out of order.
	const n = "612345678901234567890123"
	messages := []gen.Message{
		walkthroughMessage("Shipment", "sh-1", map[string]any{"trackingNumber": n, "type": "inpost_locker_standard",
			"service": "inpost_locker_standard", "customAttributes": map[string]any{"size": "A"}, "createdAt": "2015-09-17T08:00:00.000+02:00"}),
		walkthroughMessage("TrackingEvent", "ev-2", map[string]any{"trackingNumber": n, "status": "dispatched_by_sender",
			"originStatus": "NWP", "agency": "Kraków", "datetime": "2015-09-17T11:28:00.000+02:00"}),
		walkthroughMessage("TrackingEvent", "ev-1", map[string]any{"trackingNumber": n, "status": "confirmed",
			"originStatus": "PPN", "datetime": "2015-09-17T10:28:00.000+02:00"}),
	}
	batch := gen.InjectMessagesJSONRequestBody{BatchReference: "ABC12345"}
	for _, m := range messages {
		var item gen.InjectMessagesRequest_Messages_Item
		if err := item.FromMessage(m); err != nil {
			t.Fatal(err)
		}
		batch.Messages = append(batch.Messages, item)
	}
	mr, err := api.InjectMessagesWithResponse(ctx, batch)
	accepted := body(t, mr, mr.JSON202, err)
	e.AwaitIdle(t)

	// Anyone holding the number reads it, without a token.
	gr, err := public.GetTrackingWithResponse(ctx, n, nil)
	tracking := body(t, gr, gr.JSON200, err)
	var statuses []string
	for _, d := range tracking.TrackingDetails {
		statuses = append(statuses, d.Status)
	}
	if tracking.Status != "dispatched_by_sender" || !slices.Equal(statuses, []string{"dispatched_by_sender", "confirmed"}) {
		t.Fatalf("tracking %s %v", tracking.Status, statuses)
	}
	hr, err := public.GetServiceHistoryWithResponse(ctx, n, nil)
	if h := body(t, hr, hr.JSON200, err); h.Id != n {
		t.Fatalf("service history %+v", h)
	}
	fr, err := public.GetExpectedFlowWithResponse(ctx, "inpost_locker_standard")
	if flow := body(t, fr, fr.JSON200, err); len(flow.ExpectedFlow) == 0 {
		t.Fatalf("flow %+v", flow)
	}
	if bad, err := public.GetTrackingWithResponse(ctx, "HELLO", nil); err != nil || bad.JSON400 == nil {
		t.Fatalf("an unknown number: %v %s", err, bad.Body)
	}

	// The tracker finds the batch, every message processed.
	var ref gen.TrackerCriterion_Value
	if err := ref.FromTrackerCriterionValue0("ABC12345"); err != nil {
		t.Fatal(err)
	}
	sr, err := api.SearchTrackerWithResponse(ctx, gen.SearchTrackerJSONRequestBody{Search: &[]gen.TrackerCriterion{{By: "externalReference", Value: ref}}})
	found := body(t, sr, sr.JSON200, err).Data.Requests
	if len(found) != 1 || found[0].Id != accepted.Data.Id || found[0].MessageStatusSummary.Complete != 3 {
		t.Fatalf("tracker %+v", found)
	}

	// The receiver heard of the job, and once of the number's move: the
	// batch's two events moved its status once.
	got := rc.await(2)
	if len(got) != 2 || got[0].Type != string(gen.JobCompleted) || got[1].Type != string(gen.TrackingUpdated) ||
		got[1].Data["trackingNumber"] != n || got[1].Data["status"] != "dispatched_by_sender" {
		t.Fatalf("deliveries %+v", got)
	}
}

// body is a generated client's decoded answer, failing the test on an
// error or an answer without the documented body.
func body[T any](t *testing.T, r interface{ StatusCode() int }, v *T, err error) *T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if v == nil {
		t.Fatalf("answer %d without the documented body", r.StatusCode())
	}
	return v
}

func walkthroughMessage(typ, ref string, payload map[string]any) gen.Message {
	return gen.Message{MessageType: &typ, ExternalReference: &ref, Payload: payload}
}
