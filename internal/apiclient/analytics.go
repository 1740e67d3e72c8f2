package apiclient

import (
	"context"
	"net/url"
)

// AnalyticsRow is one group's delivery figures.
type AnalyticsRow struct {
	Group            string   `json:"group"`
	Delivered        int64    `json:"delivered"`
	TransitP50Days   float64  `json:"transitP50Days"`
	TransitP90Days   float64  `json:"transitP90Days"`
	OnTimeRate       *float64 `json:"onTimeRate"`
	OnTimeLatestRate *float64 `json:"onTimeLatestRate"`
	FirstAttemptRate *float64 `json:"firstAttemptRate"`
	ExceptionRate    *float64 `json:"exceptionRate"`
	Stalled          int64    `json:"stalled"`
}

// Analytics is a project's delivery analytics.
type Analytics struct {
	From    string         `json:"from"`
	To      string         `json:"to"`
	GroupBy string         `json:"groupBy"`
	Items   []AnalyticsRow `json:"items"`
}

// DeliveryAnalytics reads the project's delivery figures from one date
// (YYYY-MM-DD) to another, grouped by carrier, service, lane or week.
func (c *Client) DeliveryAnalytics(ctx context.Context, projectID, from, to, groupBy string) (Analytics, error) {
	q := url.Values{"from": {from}, "to": {to}, "groupBy": {groupBy}}
	var a Analytics
	err := c.Do(ctx, "GET", "/v1/projects/"+url.PathEscape(projectID)+"/analytics/delivery?"+q.Encode(), nil, nil, &a)
	return a, err
}
