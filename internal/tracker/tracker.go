// Package tracker answers the message gateway's tracker search: which of the caller's
// requests, and which of their messages, match criteria on message type,
// message status, received date, request id and external reference.
//
// Query plan. Every criterion maps to keys the store can look up, and the
// most selective one present drives the search; the others filter what it
// found:
//
//	id                  → the requests by key (one BatchGetItem)
//	externalReference   → one index query per reference (batch or message reference)
//	messageType+Status  → one index query per (type, status) pair
//	messageStatus       → one index query per status (all types)
//	messageType         → one index query per (type, status), six statuses
//	receivedDate only   → one index query over the client's requests
//
// Each index query reads one partition of the caller's client over the
// date range, so the work grows with the answer, never with the client's
// history, and nothing outside the client can be reached. Without id or
// externalReference the date range defaults to today (UTC).
package tracker

import (
	"context"
	"fmt"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/request"
)

// Limits of one search.
const (
	// MaxPageSize caps paging.size; it is the page size without paging.
	MaxPageSize = 100
	// MaxCandidates bounds the requests one search may consider; a search
	// matching more must be narrowed (a shorter date range, say).
	MaxCandidates = 5000
)

// messageReaders bounds the concurrent reads of one page's messages.
const messageReaders = 8

// ErrTooBroad refuses a search that matches more than MaxCandidates requests.
var ErrTooBroad = fmt.Errorf("the search matches more than %d requests: narrow it, for example with a shorter receivedDate range", MaxCandidates)

// Sort orders results.
type Sort struct {
	By   string // receivedDate, processedDate or batchReference
	Desc bool
}

// Criteria are a parsed search.
type Criteria struct {
	IDs      []string
	Refs     []string
	Types    []string
	Statuses []request.MessageStatus
	// From and To bound receivedDate, To exclusive; zero To is no bound.
	From, To time.Time
	Page     int
	Size     int
	Sorts    []Sort
}

// Found is a matching request with its matching messages.
type Found struct {
	Request  request.Request
	Messages []request.Message
}

// Result is one page of a search.
type Result struct {
	Requests []Found
	// Total counts the matching requests over all pages.
	Total int
}

// Service runs searches.
type Service struct {
	Store request.Store
	Now   func() time.Time
}

// Search runs c for the caller's client.
func (s Service) Search(ctx context.Context, clientID string, c Criteria) (Result, error) {
	ids, err := s.candidates(ctx, clientID, c)
	if err != nil {
		return Result{}, err
	}
	reqs, err := s.Store.Requests(ctx, ids)
	if err != nil {
		return Result{}, err
	}
	now := s.Now()
	matching := reqs[:0]
	for _, r := range reqs {
		// Another client's request is as absent as an expired one.
		if r.ClientID == clientID && !r.Expired(now) && c.matchesRequest(r) {
			matching = append(matching, r)
		}
	}
	sortRequests(matching, c.Sorts)
	start := (c.Page - 1) * c.Size
	page := matching[min(start, len(matching)):min(start+c.Size, len(matching))]
	// The page's messages are read concurrently: a page of 100 requests
	// would otherwise be 100 round trips in a row.
	msgs := make([][]request.Message, len(page))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(messageReaders)
	for i, r := range page {
		g.Go(func() (err error) {
			msgs[i], err = s.Store.RequestMessages(gctx, r)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return Result{}, err
	}
	res := Result{Total: len(matching)}
	for i, r := range page {
		f := Found{Request: r, Messages: c.matchingMessages(r, msgs[i])}
		if len(f.Messages) == 0 && c.filtersMessages() {
			// An index marker from a crash between two writes: nothing here.
			res.Total--
			continue
		}
		res.Requests = append(res.Requests, f)
	}
	return res, nil
}

// candidates runs the query plan of the package comment.
func (s Service) candidates(ctx context.Context, clientID string, c Criteria) ([]string, error) {
	if len(c.IDs) > 0 {
		if len(c.IDs) > MaxCandidates {
			return nil, ErrTooBroad
		}
		return c.IDs, nil
	}
	var keys []request.Key
	switch {
	case len(c.Refs) > 0:
		for _, r := range c.Refs {
			keys = append(keys, request.Key{Ref: r})
		}
	case len(c.Statuses) > 0:
		types := c.Types
		if len(types) == 0 {
			types = []string{request.AnyType}
		}
		for _, t := range types {
			for _, st := range c.Statuses {
				keys = append(keys, request.Key{Facet: request.Facet{Type: t, Status: st}})
			}
		}
	case len(c.Types) > 0:
		for _, t := range c.Types {
			for _, st := range request.Statuses {
				keys = append(keys, request.Key{Facet: request.Facet{Type: t, Status: st}})
			}
		}
	default:
		keys = []request.Key{{}}
	}
	seen := map[string]bool{}
	var ids []string
	for _, k := range keys {
		entries, err := s.Store.Lookup(ctx, clientID, k, c.From, c.To, MaxCandidates+1)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !seen[e.ID] {
				seen[e.ID] = true
				ids = append(ids, e.ID)
			}
		}
		if len(ids) > MaxCandidates {
			return nil, ErrTooBroad
		}
	}
	return ids, nil
}

func (c Criteria) filtersMessages() bool {
	return len(c.Types) > 0 || len(c.Statuses) > 0 || len(c.Refs) > 0
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// matchesRequest applies the criteria a request's own fields can decide.
func (c Criteria) matchesRequest(r request.Request) bool {
	if len(c.IDs) > 0 && !contains(c.IDs, r.ID) {
		return false
	}
	if !c.From.IsZero() && r.ReceivedAt.Before(c.From) || !c.To.IsZero() && !r.ReceivedAt.Before(c.To) {
		return false
	}
	if len(c.Types) == 0 && len(c.Statuses) == 0 {
		return true
	}
	for _, f := range r.Facets {
		if (len(c.Types) == 0 || contains(c.Types, f.Type)) && (len(c.Statuses) == 0 || contains(c.Statuses, f.Status)) {
			return true
		}
	}
	return false
}

// matchingMessages keeps the messages the message criteria select. A
// request found by its batch reference shows all its messages that pass
// the other criteria.
func (c Criteria) matchingMessages(r request.Request, msgs []request.Message) []request.Message {
	byBatch := len(c.Refs) == 0 || contains(c.Refs, r.BatchReference)
	out := []request.Message{}
	for _, m := range msgs {
		m = r.Shown(m)
		if len(c.Types) > 0 && !contains(c.Types, m.Type) ||
			len(c.Statuses) > 0 && !contains(c.Statuses, m.Status) ||
			!byBatch && !contains(c.Refs, m.ExternalReference) {
			continue
		}
		out = append(out, m)
	}
	return out
}

func sortRequests(reqs []request.Request, sorts []Sort) {
	sort.SliceStable(reqs, func(i, j int) bool {
		a, b := reqs[i], reqs[j]
		for _, s := range sorts {
			var cmp int
			switch s.By {
			case "processedDate":
				cmp = a.ProcessedAt.Compare(b.ProcessedAt)
			case "batchReference":
				cmp = compareStrings(a.BatchReference, b.BatchReference)
			default:
				cmp = a.ReceivedAt.Compare(b.ReceivedAt)
			}
			if cmp != 0 {
				return (cmp < 0) != s.Desc
			}
		}
		// A stable order across pages: the id breaks ties.
		return a.ID < b.ID
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func fieldErr(field, format string, args ...any) error {
	return &input.Error{Field: field, Message: fmt.Sprintf(format, args...), Labelled: true}
}
