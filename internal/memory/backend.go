package memory

// Backend is one store per port, linked so that each sees what the
// others wrote, as the ports do on one DynamoDB table: the tracking
// state reads the jobs' associations (subscribers, tags) and writes the
// webhook feed; the expiry check reads the associations; the requests
// store reads the jobs that are requests too; projects grant their
// members' roles to the principals; imports and accounts write the
// records the record routes read, and deleting an active account frees
// its licence; a record following a tracking number subscribes
// its project to it; the sweeper's index is the open jobs, requests,
// imports and tasks.
type Backend struct {
	Projects   *Projects
	Principals *Principals
	Jobs       *Jobs
	Requests   *Requests
	Tracking   *Tracking
	Unmapped   *Unmapped
	Records    *Records
	Imports    *Imports
	Webhooks   *Webhooks
	Expiries   *Expiries
	Sweep      *Sweep
	Outbox     *Outbox
	Accounts   *Accounts
	Tasks      *Tasks
	Edd        *Edd
	Watches    *Watches
	Outcomes   *Outcomes
}

// NewBackend returns empty, linked stores.
func NewBackend() *Backend {
	jobs := NewJobs()
	requests := NewRequests()
	requests.Jobs = jobs
	webhooks := &Webhooks{}
	principals := &Principals{}
	records := &Records{Subscribe: jobs.Subscribe}
	accounts := &Accounts{Store: records}
	records.Release = accounts.Release
	imports := &Imports{Store: records}
	tasks := &Tasks{}
	return &Backend{
		Projects:   &Projects{Principals: principals},
		Principals: principals,
		Jobs:       jobs,
		Requests:   requests,
		Tracking:   &Tracking{Associations: jobs.AllAssociations, Feed: webhooks},
		Unmapped:   &Unmapped{},
		Records:    records,
		Imports:    imports,
		Webhooks:   webhooks,
		Expiries:   &Expiries{Associations: jobs.AllAssociations},
		Sweep:      &Sweep{Jobs: jobs, Requests: requests, Imports: imports, Tasks: tasks},
		Outbox:     &Outbox{},
		Accounts:   accounts,
		Tasks:      tasks,
		Edd:        &Edd{},
		Watches:    &Watches{},
		Outcomes:   &Outcomes{},
	}
}
