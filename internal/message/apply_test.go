package message

import (
	"fmt"
	"slices"
	"testing"

	"github.com/parcelgate/parcelgate/internal/tracking"
)

func TestAnnouncementsShareQueueRequestsAcrossNumbersWithTheSameSubscribers(t *testing.T) {
	subscribers := map[string][]string{}
	var changes []tracking.Change
	for i := range 25 {
		n := fmt.Sprintf("N%02d", i)
		switch {
		case i < 21:
			subscribers[n] = []string{"p1"}
		case i%2 == 0:
			subscribers[n] = []string{"p1", "p2"}
		default:
			subscribers[n] = []string{"p2", "p1"} // same projects, other order
		}
		changes = append(changes, tracking.Change{TrackingNumber: n, Sequence: 1})
	}
	changes = append(changes, tracking.Change{TrackingNumber: "N00", Sequence: 2})

	got := announcements(subscribers, changes)
	tasks := map[string]int{}
	var sizes []int
	for _, a := range got {
		size := len(a.projects) * len(a.changes)
		if size > announceTasks {
			t.Fatalf("an announcement of %d tasks (%d projects × %d changes), want at most %d", size, len(a.projects), len(a.changes), announceTasks)
		}
		sizes = append(sizes, size)
		for _, c := range a.changes {
			if !slices.Equal(slices.Sorted(slices.Values(subscribers[c.TrackingNumber])), slices.Sorted(slices.Values(a.projects))) {
				t.Fatalf("change of %s announced to %v, subscribed by %v", c.TrackingNumber, a.projects, subscribers[c.TrackingNumber])
			}
			for _, p := range a.projects {
				tasks[fmt.Sprintf("%s %s %d", p, c.TrackingNumber, c.Sequence)]++
			}
		}
	}
	// 22 changes for p1 alone (3 announcements) and 4 for p1 and p2 (1).
	if len(got) != 4 {
		t.Fatalf("%d announcements of %v tasks, want 4", len(got), sizes)
	}
	want := 0
	for _, c := range changes {
		for _, p := range subscribers[c.TrackingNumber] {
			want++
			if k := fmt.Sprintf("%s %s %d", p, c.TrackingNumber, c.Sequence); tasks[k] != 1 {
				t.Fatalf("%s announced %d times, want once", k, tasks[k])
			}
		}
	}
	if len(tasks) != want {
		t.Fatalf("%d tasks, want %d", len(tasks), want)
	}
}
