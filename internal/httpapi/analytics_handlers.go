package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
	"github.com/parcelgate/parcelgate/internal/project"
)

// DeliveryAnalytics answers a project's delivery analytics
// (edd.Analytics).
type DeliveryAnalytics interface {
	Delivery(ctx context.Context, c project.Caller, projectID string, q edd.AnalyticsQuery) ([]edd.Row, error)
}

type analyticsRowBody struct {
	Group        string   `json:"group"`
	Delivered    int64    `json:"delivered"`
	TransitP50   float64  `json:"transitP50Days"`
	TransitP90   float64  `json:"transitP90Days"`
	OnTimeLikely *float64 `json:"onTimeRate"`
	OnTimeLatest *float64 `json:"onTimeLatestRate"`
	FirstAttempt *float64 `json:"firstAttemptRate"`
	Exceptions   *float64 `json:"exceptionRate"`
	Stalled      int64    `json:"stalled"`
}

type analyticsBody struct {
	From    string             `json:"from"`
	To      string             `json:"to"`
	GroupBy string             `json:"groupBy"`
	Items   []analyticsRowBody `json:"items"`
}

// deliveryAnalytics serves GET .../analytics/delivery: from and to are
// dates (YYYY-MM-DD), groupBy carrier (the default), service, lane or
// week.
func (a *API) deliveryAnalytics(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var query edd.AnalyticsQuery
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"from", &query.From}, {"to", &query.To}} {
		d, err := time.Parse(time.DateOnly, q.Get(p.name))
		if err != nil {
			msg := p.name + " must be a date, YYYY-MM-DD"
			return badRequest(msg, FieldError{Field: p.name, Message: msg})
		}
		*p.to = d
	}
	query.GroupBy = edd.ByCarrier
	if g := q.Get("groupBy"); g != "" {
		query.GroupBy = edd.GroupBy(g)
	}
	if a.Analytics == nil {
		return badRequest("delivery analytics are not kept here")
	}
	rows, err := a.Analytics.Delivery(r.Context(), caller(r), r.PathValue("projectId"), query)
	switch err {
	case edd.ErrBadRange:
		return badRequest(err.Error(), FieldError{Field: "to", Message: err.Error()})
	case edd.ErrBadGroupBy:
		return badRequest(err.Error(), FieldError{Field: "groupBy", Message: err.Error()})
	case nil:
	default:
		return err
	}
	out := analyticsBody{From: query.From.Format(time.DateOnly), To: query.To.Format(time.DateOnly), GroupBy: string(query.GroupBy),
		Items: make([]analyticsRowBody, len(rows))}
	for i, row := range rows {
		out.Items[i] = analyticsRowBody{Group: row.Group, Delivered: row.Delivered, TransitP50: row.TransitP50, TransitP90: row.TransitP90,
			OnTimeLikely: row.OnTimeLikely, OnTimeLatest: row.OnTimeLatest, FirstAttempt: row.FirstAttempt, Exceptions: row.Exceptions,
			Stalled: row.Stalled}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
