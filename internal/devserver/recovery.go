package devserver

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
	"github.com/parcelgate/parcelgate/internal/sweep"
)

// Recovery re-creates what a restarted emulator of the local stack held,
// as devstack.Supervision.Recover: the emulators keep everything in
// memory, so a restarted one starts empty.
type Recovery struct {
	AWS      aws.Config
	Template *samtemplate.Template
	Prefix   string // of the provisioned resources, see devstack.Provision
	Sweeper  sweep.Service
	// Bell wakes the pollers, which wait up to half a minute between
	// receives from an unreachable queue.
	Bell *devstack.Bell
	// Clients, when set, creates again the client credentials the dev
	// server printed at start, which a restarted DynamoDB Local forgot.
	Clients func(context.Context) error
}

// Recover re-provisions what emulator e held and returns what was lost
// and what was done about it, for the line that reports the restart.
func (r Recovery) Recover(ctx context.Context, e devstack.Emulator) (string, error) {
	switch e {
	case devstack.EmulatorSES:
		return "the mail it held is gone", nil
	case devstack.EmulatorDynamoDB, devstack.EmulatorSQS:
	default:
		return "", fmt.Errorf("no recovery for emulator %q", e)
	}
	if _, err := devstack.Provision(ctx, r.AWS, r.Template, r.Prefix); err != nil {
		return "", err
	}
	if e == devstack.EmulatorDynamoDB {
		note := "table re-created, empty: all its data is gone, accepted work included, which nothing can recover"
		if r.Clients != nil {
			if err := r.Clients(ctx); err != nil {
				return "", fmt.Errorf("creating the printed client credentials again: %w", err)
			}
			note += "; the client credentials printed at start work again"
		}
		return note, nil
	}
	if r.Bell != nil {
		r.Bell.Ring()
	}
	// Every message the queues held is gone: the sweeper sends the
	// unfinished work again now rather than at each deadline, minutes on.
	rep, err := r.Sweeper.SweepLost(ctx)
	note := "queues re-created; the messages it held are gone — no accepted work was waiting for them"
	if rep.Requeued > 0 {
		note = fmt.Sprintf("queues re-created; the messages it held are gone — the sweeper sent the unfinished work again (%d sent)", rep.Requeued)
	}
	if rep.Failed > 0 {
		note += fmt.Sprintf(" and marked %d FAILED (sent again too often already)", rep.Failed)
	}
	if err != nil {
		note += fmt.Sprintf("; the rest is sent once its deadline passes, within minutes (%v)", err)
	}
	return note, nil
}
