package dynamo

import (
	"context"
	"errors"
	"sync"
	"time"
)

// A page of records is merged from several Queries: one per shard, and
// more when a shard's share runs out or a filter rejects items. Records
// an import holds must still be served all before its commit point or
// all after, whichever Query read them. pageStates judges them so:
//
//   - The states of the imports that hold items of a round are read once,
//     after the round's Queries (one BatchGetItem for the imports not
//     judged yet), and that one reading judges every item of the page an
//     import holds, in whichever shard or round.
//   - An import read PENDING had not committed when the Queries read, so
//     none of its records had been applied (the apply follows the
//     commit): its records are all served as they were. A later round
//     reads after that reading, perhaps after a commit and some applied
//     records: when the page is merged, the imports judged PENDING before
//     its last round are read again (one BatchGetItem), and the page is
//     read again if one of them has committed since.
//   - An import read COMMITTED or DONE may have committed while the
//     Queries read, and a Query may have read one of its records before
//     the import locked it, when nothing showed the import. The page is
//     read again with that state kept: committed before those Queries,
//     the import holds (served new) or has applied every record of it.
//     The process remembers the reading (committedImports), so its later
//     pages judge the import without reading its state or a page twice:
//     an import's records are applied over many pages' time.
//   - An import read ROLLING_BACK or ROLLED_BACK, or whose record is gone,
//     never commits: its records are served as they were.
//
// A page is read again only for an import that commits while it is read,
// and the import is known committed from then on; a page is read more
// than twice only when several imports of its records commit during it,
// and its last attempt serves what it judged.
type pageStates struct {
	states *txStates
	// committed are the imports the process knows committed, and since
	// is when this attempt's first Queries were sent.
	committed *committedImports
	since     time.Time
	// last is the page's last attempt: it is never read again.
	last bool
	// pending are the imports read PENDING in this attempt, by the round
	// that read them.
	pending map[string]int
	rounds  int
}

// pageAttempts bounds how many times one page is read.
const pageAttempts = 4

// errReadAgain: an import committed while the page was read.
var errReadAgain = errors.New("an import committed while the page was read")

// judge reads the states of the imports that hold items of the round
// just read and that the page has not judged.
func (p *pageStates) judge(ctx context.Context, items []item) error {
	p.rounds++
	for _, it := range items {
		if id := getS(it, attrTx); id != "" && p.committed.before(id, p.since) {
			p.states.state[id] = txCommitted
		}
	}
	ids, err := p.states.read(ctx, items)
	if err != nil {
		return err
	}
	read := time.Now()
	again := false
	for _, id := range ids {
		switch {
		case p.states.committed(id):
			p.committed.add(id, read)
			again = !p.last
		case p.states.pending(id):
			p.pending[id] = p.rounds
		}
	}
	if again {
		return errReadAgain
	}
	return nil
}

// confirm, once the page is merged, reads again the imports judged
// PENDING before its last round: errReadAgain if one has committed since.
func (p *pageStates) confirm(ctx context.Context) error {
	if p.last {
		return nil
	}
	var ids []string
	for id, round := range p.pending {
		if round < p.rounds {
			ids = append(ids, id)
		}
	}
	if err := p.states.load(ctx, ids); err != nil {
		return err
	}
	read := time.Now()
	again := false
	for _, id := range ids {
		if p.states.committed(id) {
			p.committed.add(id, read)
			again = true
		}
	}
	if again {
		return errReadAgain
	}
	return nil
}

// committedImports are the imports a process has read COMMITTED or DONE,
// each with when the reading was answered: a state that never goes back,
// so an import committed before a page's Queries were sent needs no
// reading of its state. A process meets few imports while they apply;
// the memo starts again past maxCommittedImports.
type committedImports struct {
	mu sync.Mutex
	at map[string]time.Time
}

const maxCommittedImports = 1000

func (c *committedImports) add(id string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at == nil || len(c.at) >= maxCommittedImports {
		c.at = map[string]time.Time{}
	}
	if _, ok := c.at[id]; !ok {
		c.at[id] = at
	}
}

// before tells whether the import id was read committed before t.
func (c *committedImports) before(id string, t time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.at[id]
	return ok && at.Before(t)
}
