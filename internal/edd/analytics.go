package edd

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/parcelgate/parcelgate/internal/project"
)

// GroupBy is how delivery analytics group a project's deliveries.
type GroupBy string

// Groupings.
const (
	ByCarrier GroupBy = "carrier"
	ByService GroupBy = "service"
	ByLane    GroupBy = "lane"
	ByWeek    GroupBy = "week"
)

// GroupBys are the groupings, as the query names them.
var GroupBys = []GroupBy{ByCarrier, ByService, ByLane, ByWeek}

// MaxAnalyticsDays bounds a query's range: each week in it costs a read
// per shard of the project's outcomes.
const MaxAnalyticsDays = 366

// Errors of an analytics query.
var (
	ErrBadRange   = errors.New("from must be a date on or before to, at most 366 days apart")
	ErrBadGroupBy = errors.New("groupBy must be carrier, service, lane or week")
)

// AnalyticsQuery asks for a project's deliveries from one date to
// another (both included, counted by the ISO week of the delivery, so
// whole weeks), grouped.
type AnalyticsQuery struct {
	From, To time.Time
	GroupBy  GroupBy
}

// Row is one group's delivery figures.
type Row struct {
	// Group names the group: a carrier, carrier:service,
	// carrier:service:origin>destination, or an ISO week.
	Group     string
	Delivered int64
	// TransitP50 and TransitP90 are business days from pick-up to
	// delivery.
	TransitP50, TransitP90 float64
	// Rates, each nil without parcels to rate: on time against the first
	// estimate's likely day and its latest (of the parcels that had one),
	// delivered at the first attempt, through an exception.
	OnTimeLikely, OnTimeLatest, FirstAttempt, Exceptions *float64
	// Stalled counts the parcels announced stalled at least once.
	Stalled int64
}

// Analytics answers delivery analytics from the projects' outcomes.
type Analytics struct {
	Outcomes OutcomeStore
	Projects project.Service
}

// Delivery is the project's delivery figures per group, by group name;
// any role of the project reads them.
func (a Analytics) Delivery(ctx context.Context, c project.Caller, projectID string, q AnalyticsQuery) ([]Row, error) {
	if !slices.Contains(GroupBys, q.GroupBy) {
		return nil, ErrBadGroupBy
	}
	weeks, err := WeeksBetween(q.From, q.To)
	if err != nil {
		return nil, err
	}
	if _, err := a.Projects.Authorize(ctx, c, projectID, project.Role.CanRead); err != nil {
		return nil, err
	}
	figs, err := a.Outcomes.Outcomes(ctx, projectID, weeks)
	if err != nil {
		return nil, err
	}
	return Rows(figs, q.GroupBy), nil
}

// WeeksBetween names the ISO weeks from one date to another.
func WeeksBetween(from, to time.Time) ([]string, error) {
	if from.IsZero() || to.Before(from) || to.Sub(from) > MaxAnalyticsDays*24*time.Hour {
		return nil, ErrBadRange
	}
	var weeks []string
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if w := Week(d); len(weeks) == 0 || weeks[len(weeks)-1] != w {
			weeks = append(weeks, w)
		}
	}
	return weeks, nil
}

// groupPrefix is the prefix of the group keys a grouping reads (the week
// grouping adds up each week's carriers: every parcel has one).
var groupPrefix = map[GroupBy]string{ByCarrier: "C:", ByService: "S:", ByLane: "L:", ByWeek: "C:"}

// Rows adds the figures up per group and rates them, by group name.
func Rows(figs map[string]map[string]Figures, by GroupBy) []Row {
	sums := map[string]*Figures{}
	for week, groups := range figs {
		for key, f := range groups {
			name, ok := strings.CutPrefix(key, groupPrefix[by])
			if !ok {
				continue
			}
			if by == ByWeek {
				name = week
			}
			if sums[name] == nil {
				sums[name] = new(Figures)
			}
			sums[name].Merge(f)
		}
	}
	rows := make([]Row, 0, len(sums))
	for name, f := range sums {
		rows = append(rows, rowOf(name, f))
	}
	slices.SortFunc(rows, func(a, b Row) int { return strings.Compare(a.Group, b.Group) })
	return rows
}

func rowOf(name string, f *Figures) Row {
	r := Row{Group: name, Delivered: f.Delivered, Stalled: f.Stalled,
		OnTimeLikely: rate(f.OnTimeLikely, f.Estimated), OnTimeLatest: rate(f.OnTimeLatest, f.Estimated),
		FirstAttempt: rate(f.FirstAttempt, f.Delivered), Exceptions: rate(f.Exceptions, f.Delivered)}
	if q, ok := f.Transit.ConditionalQuantiles(0, 0.5, 0.9); ok {
		r.TransitP50, r.TransitP90 = inDays(q[0]), inDays(q[1])
	}
	return r
}

// inDays is d in days, to a hundredth.
func inDays(d time.Duration) float64 { return math.Round(d.Hours()/24*100) / 100 }

func rate(n, of int64) *float64 {
	if of == 0 {
		return nil
	}
	r := math.Round(float64(n)/float64(of)*10000) / 10000
	return &r
}
