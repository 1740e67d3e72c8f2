package eddsim

import (
	"context"

	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// Backend is where an evaluation's message path keeps what it writes:
// the requests, the parcels' tracking, and the delivery aggregates the
// estimates are made from.
type Backend struct {
	// Name says which backend it is, in the figures' heading.
	Name     string
	Requests request.Store
	Tracking interface {
		message.Tracking
		tracking.Store
	}
	Edd edd.Store
	// Follow makes the evaluated project follow the numbers of a batch
	// before it is injected, as a job adding them would: the message path
	// counts deliveries and estimates only for followed parcels.
	Follow func(ctx context.Context, as []job.Association) error
}

// MemoryBackend keeps everything in process. The project follows only
// the numbers of the batch at hand: the message path asks for no other,
// and a memory store lists every association it holds on each question,
// which for 50,000 parcels would dwarf the run.
func MemoryBackend() Backend {
	var batch []job.Association
	return Backend{
		Name:     "the memory backend",
		Requests: memory.NewRequests(),
		Tracking: &memory.Tracking{Associations: func() []job.Association { return batch }},
		Edd:      &memory.Edd{},
		Follow:   func(_ context.Context, as []job.Association) error { batch = as; return nil },
	}
}

// DynamoBackend keeps everything in a's table, as the deployed functions
// do: each number is followed once, by an association a job store adds.
func DynamoBackend(a *dynamo.Adapters) Backend {
	followed := map[string]bool{}
	return Backend{
		Name:     "DynamoDB",
		Requests: a.Requests,
		Tracking: a.Tracking,
		Edd:      a.Edd,
		Follow: func(ctx context.Context, as []job.Association) error {
			var fresh []job.Association
			for _, x := range as {
				if !followed[x.TrackingNumber] {
					followed[x.TrackingNumber] = true
					fresh = append(fresh, x)
				}
			}
			if len(fresh) == 0 {
				return nil
			}
			_, err := a.Jobs.AddAssociations(ctx, fresh)
			return err
		},
	}
}
