package samtemplate_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/samtemplate"
	"github.com/parcelgate/parcelgate/internal/worker"
)

// The worker rolls an import back on the delivery SQS would dead-letter
// next; it must count deliveries as the template's queue does.
func TestWorkerMaxReceivesIsTheJobsQueueRedriveCount(t *testing.T) {
	tmpl, err := samtemplate.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range tmpl.Queues() {
		if q.LogicalID == "JobsQueue" {
			if q.MaxReceiveCount != worker.MaxReceives {
				t.Fatalf("JobsQueue maxReceiveCount %d, worker.MaxReceives %d", q.MaxReceiveCount, worker.MaxReceives)
			}
			return
		}
	}
	t.Fatal("template has no JobsQueue")
}
