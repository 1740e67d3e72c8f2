package devserver

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

func TestFolder(t *testing.T) {
	for in, want := range map[string]string{"AuthFunction": "auth", "JobSubmitFunction": "job-submit", "DeadLetterFunction": "dead-letter"} {
		if got := Folder(in); got != want {
			t.Errorf("Folder(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestTimersRunTheTemplatesSchedules(t *testing.T) {
	tmpl, err := samtemplate.Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan string, 10)
	handler := func(_ context.Context, ev events.EventBridgeEvent) error {
		ran <- ev.DetailType
		return nil
	}
	timers, err := Timers(tmpl, map[string]app.ScheduledHandler{"sweeper": handler})
	if err != nil {
		t.Fatal(err)
	}
	if len(timers) != 1 || timers[0].Name != "SweeperFunction" || timers[0].Rate != time.Minute {
		t.Fatalf("timers %+v", timers)
	}
	if _, err := Timers(tmpl, nil); err == nil {
		t.Fatal("a scheduled function without a handler was accepted")
	}
	timers[0].Rate = 10 * time.Millisecond
	ctx, stop := context.WithCancel(context.Background())
	wait := RunTimers(ctx, timers, slog.Default())
	if got := <-ran; got != "Scheduled Event" {
		t.Errorf("event detail-type %q", got)
	}
	stop()
	wait()
}
