package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Table is the table layer every adapter stands on: the client and the
// table's name, with the helpers that speak DynamoDB rather than the
// domain (the keys files, cursors, condition failures, batches,
// transactions, chunked reads, the time format), and the few writes that
// two ports make to the same items (audit entries, a number's subscribers
// item, the tracker's and the sweep's index entries). The adapters of one
// Open share one Table.
type Table struct {
	Client *dynamodb.Client
	Name   string
	// TransactItems is how many actions one TransactWriteItems may hold:
	// 0 for DefaultTransactItems (DynamoDB Local's 10); up to 100 on
	// DynamoDB. It bounds the transactions that must hold many items at
	// once (an import's commit, above which imports are staged); writes
	// decided each by its own condition (ingestion's claims and status
	// moves, a job's associations) never share one.
	TransactItems int
	// counts are the projects' association shard counts read so far.
	counts shardCounts
}

// Options are the settings of Open beyond the client and the table.
type Options struct {
	// TransactItems is Table.TransactItems.
	TransactItems int
}

// Adapters are the store ports over one table, one adapter per port as
// internal/memory has them.
type Adapters struct {
	Table      *Table
	Accounts   *Accounts
	Edd        *Edd
	Expiries   *Expiries
	Imports    *Imports
	Jobs       *Jobs
	Outbox     *Outbox
	Outcomes   *Outcomes
	Principals *Principals
	Projects   *Projects
	Records    *Records
	Requests   *Requests
	Sweep      *Sweep
	Tasks      *Tasks
	Tracking   *Tracking
	Unmapped   *Unmapped
	Watches    *Watches
	Webhooks   *Webhooks
}

// Open opens every adapter over the table name through client.
func Open(client *dynamodb.Client, name string, o Options) *Adapters {
	t := &Table{Client: client, Name: name, TransactItems: o.TransactItems}
	records := &Records{recordTable: recordTable{t}}
	principals := &Principals{t}
	jobs := &Jobs{t}
	return &Adapters{
		Table:      t,
		Accounts:   &Accounts{recordTable: recordTable{t}, records: records},
		Edd:        &Edd{t},
		Expiries:   &Expiries{t},
		Imports:    &Imports{recordTable: recordTable{t}},
		Jobs:       jobs,
		Outbox:     &Outbox{t},
		Outcomes:   &Outcomes{t},
		Principals: principals,
		Projects:   &Projects{Table: t, principals: principals},
		Records:    records,
		Requests:   &Requests{Table: t, jobs: jobs},
		Sweep:      &Sweep{t},
		Tasks:      &Tasks{t},
		Tracking:   &Tracking{t},
		Unmapped:   &Unmapped{t},
		Watches:    &Watches{t},
		Webhooks:   &Webhooks{t},
	}
}

// recordTable is the table as the writers of records see it: the import
// locks on record items (a single write meets them, a read resolves
// them), and the reference and licence items a record's write carries.
// Records, Accounts and Imports share it.
type recordTable struct{ *Table }

// The adapters, each implementing its port (the assertions sit beside
// their methods).
type (
	// Accounts implements account.Store.
	Accounts struct {
		recordTable
		records *Records
	}
	// Edd implements edd.Store: the delivery aggregates.
	Edd struct{ *Table }
	// Expiries implements webhook.ExpiryStore.
	Expiries struct{ *Table }
	// Imports implements data.ImportStore: the import engine.
	Imports struct {
		recordTable
		// Lease is how long an import runner holds an import without
		// renewing (0: defaultImportLease). Tests shorten it.
		Lease time.Duration
		// Hook, when set, runs after each step of an import ("locked 3",
		// "committed", "applied records 3", and "refused [7]" after a row's
		// lock write is refused); an error stops the run there as a crash
		// would. Tests only.
		Hook func(ctx context.Context, importID, step string) error
	}
	// Jobs implements job.Store, with the associations jobs keep.
	Jobs struct{ *Table }
	// Outbox implements outbox.Store.
	Outbox struct{ *Table }
	// Outcomes implements edd.OutcomeStore: the delivery analytics.
	Outcomes struct{ *Table }
	// Principals implements auth.PrincipalStore.
	Principals struct{ *Table }
	// Projects implements project.Store.
	Projects struct {
		*Table
		principals *Principals
	}
	// Records implements data.Store.
	Records struct {
		recordTable
		committed committedImports
	}
	// Requests implements request.Store: message requests and the
	// tracker's index over them, which lists jobs too.
	Requests struct {
		*Table
		jobs *Jobs
	}
	// Sweep implements sweep.Store.
	Sweep struct{ *Table }
	// Tasks implements task.Store.
	Tasks struct{ *Table }
	// Tracking implements tracking.Store, message.Tracking and job.Tags.
	Tracking struct{ *Table }
	// Unmapped implements message.UnmappedStore.
	Unmapped struct{ *Table }
	// Watches implements edd.WatchStore: the stall and late watches.
	Watches struct{ *Table }
	// Webhooks implements webhook.Store.
	Webhooks struct{ *Table }
)
