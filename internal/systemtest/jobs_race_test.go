package systemtest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

// An ADD and a REMOVE of overlapping numbers, each submitted twice, race:
// once they are done, the numbers the project lists are exactly those
// whose changes it is told of, as an event for every number shows. On
// the table each association and its subscribers entry are written
// one after the other, so this is the pair agreeing through the API.
func TestJobAddRacingRemoveLeavesTheListedNumbersExactlyTheNotifiedOnes(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, token := e.Token(t, "acme")
	p := createProject(t, e, token, "race")
	span := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, dhl(7000+i))
		}
		return out
	}
	first := submit(t, e, token, p.ProjectID, "ADD", numbers(span(0, 20)...))
	await(t, e, token, p.ProjectID, first.JobID, "COMPLETED")
	e.Advance(time.Minute)

	jobs := []struct {
		action string
		ns     []string
	}{{"REMOVE", span(0, 20)}, {"ADD", span(10, 30)}, {"REMOVE", span(0, 20)}, {"ADD", span(10, 30)}}
	ids := make([]string, len(jobs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ids[i] = submit(t, e, token, p.ProjectID, j.action, numbers(j.ns...)).JobID
		}()
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, id := range ids {
		await(t, e, token, p.ProjectID, id, "COMPLETED")
	}

	var listed listOut[associationOut]
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/tracking-numbers?limit=100", token, nil).Want(t, 200).JSON(t, &listed)
	var associated []string
	for _, a := range listed.Items {
		associated = append(associated, a.TrackingNumber)
	}
	all := span(0, 30)
	ms := make([]msg, len(all))
	for i, n := range all {
		ms[i] = event(n, "confirmed", "", nil, e.Clock().Format(time.RFC3339))
		ms[i].ExternalReference = fmt.Sprintf("race-%d", i)
	}
	e.Call(t, "POST", "/v1/messages", token, map[string]any{"batchReference": "race", "messages": ms}).Want(t, 202)
	e.AwaitIdle(t)
	var feed struct {
		Items []struct {
			Type string `json:"type"`
			Data struct {
				TrackingNumber string `json:"trackingNumber"`
			} `json:"data"`
		} `json:"items"`
	}
	e.Call(t, "GET", "/v1/projects/"+p.ProjectID+"/events?limit=100", token, nil).Want(t, 200).JSON(t, &feed)
	var notified []string
	for _, it := range feed.Items {
		if it.Type == "tracking.updated" {
			notified = append(notified, it.Data.TrackingNumber)
		}
	}
	slices.Sort(associated)
	slices.Sort(notified)
	if !slices.Equal(associated, notified) {
		t.Fatalf("listed %v\nnotified %v", associated, notified)
	}
	// However the race went, the later ADD's numbers outside the removal
	// stay.
	for _, n := range span(20, 30) {
		if !slices.Contains(associated, n) {
			t.Fatalf("%s is not listed: %v", n, associated)
		}
	}
}
