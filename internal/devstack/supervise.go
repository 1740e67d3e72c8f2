package devstack

import (
	"context"
	"fmt"
	"time"
)

// Emulator names one of the emulators a stack starts.
type Emulator string

// The emulators.
const (
	EmulatorDynamoDB Emulator = "dynamodb"
	EmulatorSQS      Emulator = "sqs"
	EmulatorSES      Emulator = "ses"
)

// emulator is what it takes to start one emulator, again, on its port:
// the services using the stack were configured with that endpoint.
type emulator struct {
	name  Emulator
	title string // as a sentence names it: "the SQS emulator"
	port  int
	// launch starts the process; restart keeps the log of the run that
	// stopped.
	launch func(restart bool) (*process, error)
	// ready waits until p answers its API.
	ready func(ctx context.Context, p *process) error
}

// up waits until p, a run of e, answers and owns e's port.
func (e *emulator) up(ctx context.Context, p *process) error {
	if err := e.ready(ctx, p); err != nil {
		return p.failure(err)
	}
	if err := checkOwner(p, e.port); err != nil {
		return p.failure(err)
	}
	return nil
}

// RestartPolicy bounds how often a stopped emulator is restarted: one that
// stops more than Max times within Window is left stopped, since it would
// most likely go on stopping (out of memory, a broken install).
type RestartPolicy struct {
	Max    int
	Window time.Duration
}

// DefaultRestartPolicy allows three restarts of an emulator in ten
// minutes: enough for the odd crash or a stray kill, few enough that a
// crash loop ends within a minute or so.
var DefaultRestartPolicy = RestartPolicy{Max: 3, Window: 10 * time.Minute}

// String reads as "3 times in 10m0s".
func (p RestartPolicy) String() string { return fmt.Sprintf("%d times in %s", p.Max, p.Window) }

// restarts counts the stops of one emulator within the policy's window.
type restarts struct {
	policy RestartPolicy
	stops  []time.Time
}

// allow records a stop at now and reports whether the emulator may be
// restarted.
func (r *restarts) allow(now time.Time) bool {
	recent := r.stops[:0]
	for _, at := range r.stops {
		if now.Sub(at) < r.policy.Window {
			recent = append(recent, at)
		}
	}
	r.stops = append(recent, now)
	return len(r.stops) <= r.policy.Max
}

// Supervision configures Supervise.
type Supervision struct {
	Policy RestartPolicy
	// Recover runs once an emulator answers again. Its data was in
	// memory, so it re-creates the tables or queues the stack's users
	// need and returns what they should know (what was re-created, what
	// is gone), which ends the line reporting the restart. An error
	// ends supervision.
	Recover func(ctx context.Context, e Emulator) (string, error)
	// Now is the policy's clock; nil means time.Now.
	Now func() time.Time
}

// Supervise restarts each emulator of the stack that stops, on its port,
// within sv.Policy, until ctx ends or Close is called; it logs one line per
// restart. The channel receives the error that ended supervision: an
// emulator that stopped too often, or could not be restarted or
// recovered; its user cannot go on without it. A stack of endpoints from
// the environment has nothing to supervise. Call Supervise at most once.
func (s *Stack) Supervise(ctx context.Context, sv Supervision) <-chan error {
	if sv.Now == nil {
		sv.Now = time.Now
	}
	gaveUp := make(chan error, len(s.emulators))
	ctx, s.stopSupervising = context.WithCancel(ctx)
	for i := range s.emulators {
		s.supervisors.Add(1)
		go func() {
			defer s.supervisors.Done()
			if err := s.supervise(ctx, i, sv); err != nil && ctx.Err() == nil {
				gaveUp <- err
			}
		}()
	}
	return gaveUp
}

// supervise restarts the i-th emulator whenever it stops; it returns why
// it gave up, or nil when ctx ended.
func (s *Stack) supervise(ctx context.Context, i int, sv Supervision) error {
	e := s.emulators[i]
	budget := restarts{policy: sv.Policy}
	for {
		p := s.proc(i)
		select {
		case <-ctx.Done():
			return nil
		case <-p.done:
		}
		p.keepLog = true
		stopped := fmt.Sprintf("%s stopped (%v)", e.title, p.waitErr)
		if !budget.allow(sv.Now()) {
			return fmt.Errorf("%s, more than %s: not restarting it again (its log: %s)", stopped, sv.Policy, p.logPath)
		}
		next, err := s.restart(ctx, e)
		if err != nil {
			return fmt.Errorf("%s and did not start again on :%d: %v (its log: %s)", stopped, e.port, err, p.logPath)
		}
		s.mu.Lock()
		s.procs[i] = next
		s.mu.Unlock()
		note, err := sv.Recover(ctx, e.name)
		if err != nil {
			return fmt.Errorf("%s; restarted on :%d, but re-creating what it held failed: %v", stopped, e.port, err)
		}
		s.logger.Warn(fmt.Sprintf("%s; restarted on :%d, %s", stopped, e.port, note), "emulator", string(e.name), "log", p.logPath)
	}
}

// restart starts e again after a run stopped, and waits until it answers
// on its port. It holds the machine-wide port lock, as Up does: a stack
// starting meanwhile would otherwise find the port free and take it.
func (s *Stack) restart(ctx context.Context, e *emulator) (*process, error) {
	unlock, err := lockFile(portsLock())
	if err != nil {
		return nil, err
	}
	defer unlock()
	p, err := e.launch(true)
	if err != nil {
		return nil, err
	}
	wait, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	err = e.ready(wait, p)
	if err == nil {
		err = checkOwner(p, e.port)
	}
	if err != nil {
		p.keepLog = true
		_ = p.stop() // it failed already; err says how
		return nil, err
	}
	return p, nil
}

// proc returns the current run of the i-th emulator.
func (s *Stack) proc(i int) *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.procs[i]
}

// stopSupervision ends Supervise and waits for it, so that Close never
// races a restart.
func (s *Stack) stopSupervision() {
	if s.stopSupervising != nil {
		s.stopSupervising()
		s.supervisors.Wait()
	}
}
