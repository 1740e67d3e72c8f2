package cost

// Floor is the fewest capacity units an operation's guarantees allow,
// each write (or read) named by the guarantee that needs it, and what
// would bring the measured cost down to it when it is far above.
type Floor struct {
	// Units are write units (billed) for operations that write, read
	// units for reads.
	Units float64
	Reads bool
	// Needs lists one entry per unit: the write and the guarantee.
	Needs []string
	// Above says where the measured units above the floor go and what
	// would remove them, for a path above 1.25 × its floor.
	Above string
}

// Ratio is measured ÷ floor.
func (f Floor) Ratio(o Operation) float64 {
	if f.Units == 0 {
		return 0
	}
	if f.Reads {
		return Sum(o.RCU) / f.Units
	}
	return o.BilledWCU() / f.Units
}

// Target is the ratio to a floor a write path should stay within.
const Target = 1.25

// eventFloor is what any event of a parcel must write.
var eventFloor = []string{
	"the event item (history read by the tracking GET; its key dedupes a redelivery)",
	"the parcel's state (owner, status, sequence): one conditional UpdateItem claims a new parcel or moves its status, decided by its own condition (no transaction: shared ones only doubled the bill)",
	"the tracker's marker of the message's external reference (search by reference is promised)",
	"that marker's entry in the tracker index (GSI2)",
}

// associationFloor is what adding or removing one number must write.
var associationFloor = []string{
	"the association item (conditional: a live one is never overwritten, a later job is never undone)",
	"its entry in the project's tag index (GSI1: the project's numbers by status)",
	"its entry in the expiry index (GSI3: the tracking_number.expiring notice is owed)",
	"the number's subscribers entry (ingestion finds the projects of a number in one read; each of the two written alone, the entry first on an addition, last on a removal, so a redelivery completes a pair a crash split)",
}

// notifyFloor is what one status change of a followed parcel adds, per
// project, and once.
const (
	notifyPerProject = "the project's notification record, keyed by the change (the event feed; recorded twice is once)"
	notifiedOnce     = "the NOTIFIED mark, with the estimate told: a change lost to a crash between state and notifications is still pending and recorded (and estimated) on the retry; the tracking read shows the estimate from it"
)

// Floors are by operation name, as TestCostPerOperation names them.
var Floors = map[string]Floor{
	"job number ADD":    {Units: 4, Needs: associationFloor},
	"job number REMOVE": {Units: 4, Needs: associationFloor},
	"event, new parcel": {Units: 4, Needs: eventFloor},
	"event, parcel followed by 1 project": {Units: 6,
		Needs: append(append([]string{}, eventFloor...), notifyPerProject, notifiedOnce)},
	"event, parcel followed by 3 projects": {Units: 8,
		Needs: append(append([]string{}, eventFloor...), notifyPerProject, notifyPerProject, notifyPerProject, notifiedOnce)},
	"status change delivered by webhook": {Units: 7,
		Needs: append(append([]string{}, eventFloor...), notifyPerProject, notifiedOnce, "the delivery attempt (listed by the attempts endpoint, replayable)")},
	"tracking GET": {Units: 1, Reads: true,
		Needs: []string{"one Query of the parcel's partition: the shipment, its newest events and the estimate told with its newest change (on the NOTIFIED mark) sit in it under one key"}},
	"tracker search": {Units: 2, Reads: true,
		Needs: []string{"the Query of the caller's index partition (GSI2) for the criterion", "the requests found, read in one BatchGetItem"}},
	"data record write": {Units: 2,
		Needs: []string{"the record item", "its entry in the delta-sync index (GSI1), until its export is validated"}},
	"import row": {Units: 4,
		Needs: []string{"the row's lock (its new version beside the committed one: all-or-nothing imports of any size)", "the lock's index entry (GSI1 projects ALL: any change of the item writes it)",
			"the apply, moving the new version in place after the commit point", "the apply's index entry"}},
}
