package main

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/parcelgate/parcelgate/internal/apiclient"
	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
)

func analyticsCommand(f *userFlags) *cobra.Command {
	var project, from, to, groupBy, chart string
	cmd := &cobra.Command{
		Use:   "analytics --project P [--from DATE] [--to DATE] [--group-by carrier|service|lane|week] [--chart FILE.svg]",
		Short: "A project's delivery figures: transit percentiles, on-time and first-attempt rates, exceptions, stalls",
		Long: `Prints GET /v1/projects/{projectId}/analytics/delivery as a table: per
group, parcels delivered, transit p50 and p90 in business days, the
on-time rates against the first estimate's likely date and its latest,
the first-attempt and exception rates, and the parcels that stalled. The
range defaults to the last 28 days. --chart also draws the transit
percentiles per group as an SVG bar chart.`,
		Example: `  parcelgate analytics --project $P --group-by lane
  parcelgate analytics --project $P --from 2026-10-01 --chart transit.svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				to = time.Now().UTC().Format(time.DateOnly)
			}
			last, err := time.Parse(time.DateOnly, to)
			if err != nil {
				return fmt.Errorf("--to must be a date, YYYY-MM-DD, not %q", to)
			}
			first := last.AddDate(0, 0, -27)
			if from != "" {
				if first, err = time.Parse(time.DateOnly, from); err != nil {
					return fmt.Errorf("--from must be a date, YYYY-MM-DD, not %q", from)
				}
			}
			c, err := f.client(cmd)
			if err != nil {
				return err
			}
			by := gen.DeliveryAnalyticsParamsGroupBy(groupBy)
			r, err := c.DeliveryAnalyticsWithResponse(cmd.Context(), project, &gen.DeliveryAnalyticsParams{
				From: openapi_types.Date{Time: first}, To: openapi_types.Date{Time: last}, GroupBy: &by})
			if err != nil {
				return err
			}
			a, err := apiclient.Expect(r.JSON200, r)
			if err != nil {
				return err
			}
			t := table{header: []string{"GROUP", "DELIVERED", "TRANSIT_P50", "TRANSIT_P90", "ON_TIME", "ON_TIME_LATEST", "FIRST_ATTEMPT", "EXCEPTIONS", "STALLED"}, json: a}
			for _, r := range a.Items {
				t.rows = append(t.rows, []string{r.Group, strconv.Itoa(r.Delivered), businessDays(r.TransitP50Days), businessDays(r.TransitP90Days),
					percent(r.OnTimeRate), percent(r.OnTimeLatestRate), percent(r.FirstAttemptRate), percent(r.ExceptionRate), strconv.Itoa(r.Stalled)})
			}
			if err := t.print(cmd.OutOrStdout(), f.output); err != nil || chart == "" {
				return err
			}
			return drawTransit(*a, chart)
		},
	}
	cmd.Flags().StringVar(&project, "project", "", "project id (required)")
	cmd.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD (default: 27 days before --to)")
	cmd.Flags().StringVar(&to, "to", "", "last day, YYYY-MM-DD (default: today, UTC)")
	cmd.Flags().StringVar(&groupBy, "group-by", "carrier", "carrier, service, lane or week")
	cmd.Flags().StringVar(&chart, "chart", "", "also draw the transit percentiles per group into this SVG file")
	_ = cmd.MarkFlagRequired("project")
	return cmd
}

func businessDays(d float32) string { return strconv.FormatFloat(float64(d), 'f', 2, 32) }

// percent prints a rate; "-" where there was nothing to rate.
func percent(r *float32) string {
	if r == nil {
		return "-"
	}
	return strconv.FormatFloat(float64(*r)*100, 'f', 1, 32) + "%"
}

// drawTransit draws p50 and p90 transit per group, side by side, into an
// SVG file.
func drawTransit(a gen.DeliveryAnalytics, path string) error {
	if len(a.Items) == 0 {
		return fmt.Errorf("nothing was delivered from %s to %s: no chart drawn", a.From, a.To)
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Transit, business days, by %s (%s to %s)", a.GroupBy, a.From, a.To)
	p.Y.Label.Text = "business days from pick-up to delivery"
	p.Y.Min = 0
	p50, p90 := make(plotter.Values, len(a.Items)), make(plotter.Values, len(a.Items))
	names := make([]string, len(a.Items))
	for i, r := range a.Items {
		p50[i], p90[i], names[i] = float64(r.TransitP50Days), float64(r.TransitP90Days), r.Group
	}
	width := vg.Points(14)
	for i, v := range []struct {
		name   string
		values plotter.Values
	}{{"p50", p50}, {"p90", p90}} {
		bars, err := plotter.NewBarChart(v.values, width)
		if err != nil {
			return err
		}
		bars.Color = plotutil.Color(i)
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(2*i-1) * width / 2
		p.Add(bars)
		p.Legend.Add(v.name, bars)
	}
	// Headroom above the tallest bar keeps the legend off the bars.
	p.Y.Max = 1.25 * slices.Max(p90)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(40)
	p.NominalX(names...)
	w := vg.Length(max(7, 1.2*float64(len(names)))) * vg.Inch
	if err := p.Save(w, 4*vg.Inch, path); err != nil {
		return fmt.Errorf("drawing %s: %w", path, err)
	}
	return nil
}
