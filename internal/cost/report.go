package cost

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report writes the cost table (measured, floor, ratio for every
// operation) and the dollar figures of parcel.
func Report(w io.Writer, ops []Operation, parcel Parcel) error {
	fmt.Fprintf(w, "What each operation asks of AWS, per unit (measured by TestCostPerOperation over the emulators):\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tper\tDynamoDB req\tRCU\tWCU billed\tfloor\tmeasured/floor\tSQS req\tLambda inv\tAPI req\tlog B\tCPU ms\t$ per million")
	for _, o := range ops {
		f := Floors[o.Name]
		floor, ratio := "-", "-"
		if f.Units > 0 {
			kind := "WCU"
			if f.Reads {
				kind = "RCU"
			}
			floor = fmt.Sprintf("%g %s", f.Units, kind)
			ratio = fmt.Sprintf("%.2f", f.Ratio(o))
			if f.Ratio(o) > Target {
				ratio += " !"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.2f\t%s\t%s\t%.2f\t%.2f\t%.2f\t%.0f\t%.2f\t%.2f\n",
			o.Name, o.Per, Sum(o.DynamoDB), Sum(o.RCU), o.BilledWCU(), floor, ratio,
			Sum(o.SQS)+ESMRequestsPerBatch*Sum(o.Invocations), o.Lambda(), o.APIRequests, o.LogBytes, o.CPUMillis, Cost(o).Total()*1e6)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var order []string
	above := map[string][]string{}
	for _, o := range ops {
		if f := Floors[o.Name]; f.Units > 0 && f.Ratio(o) > Target {
			if above[f.Above] == nil {
				order = append(order, f.Above)
			}
			above[f.Above] = append(above[f.Above], o.Name)
		}
	}
	if len(order) == 0 {
		fmt.Fprintf(w, "\nevery operation is within %.2f × its floor\n", Target)
	} else {
		fmt.Fprintf(w, "\n! above %.2f × its floor; where the rest goes and what would remove it:\n", Target)
	}
	for _, text := range order {
		fmt.Fprintf(w, "  %s: %s\n", strings.Join(above[text], "; "), text)
	}
	lines, total, err := parcel.Of(ops)
	if err != nil {
		return err
	}
	perEvent := 0.0
	for _, l := range lines {
		if strings.HasPrefix(l.Name, "event") || strings.HasPrefix(l.Name, "webhook") {
			perEvent += l.Dollars.Total()
		}
	}
	fmt.Fprintf(w, "\nA typical parcel: %d projects subscribe it (a job ADD each), %d events each moving its status", parcel.Projects, parcel.Events)
	if parcel.Webhooks {
		fmt.Fprint(w, ", each delivered by webhook")
	}
	fmt.Fprintf(w, ", %d tracking reads.\n\n", parcel.TrackingReads)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "share of a parcel\tcount\t$ per 1,000 parcels")
	for _, l := range lines {
		fmt.Fprintf(tw, "%s\t%g\t%.4f\n", l.Name, l.Count, 1000*l.Count*l.Dollars.Total())
	}
	fmt.Fprintf(tw, "total\t\t%.4f\n", 1000*total.Total())
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nby service, per 1,000 parcels: DynamoDB $%.4f, API Gateway $%.4f, WAF $%.4f, CloudWatch Logs $%.4f, Lambda $%.4f, SQS $%.4f, X-Ray $%.4f\n",
		1000*total.DynamoDB, 1000*total.APIGateway, 1000*total.WAF, 1000*total.Logs, 1000*total.Lambda, 1000*total.SQS, 1000*total.XRay)
	byName := map[string]Operation{}
	for _, o := range ops {
		byName[o.Name] = o
	}
	fmt.Fprintf(w, "per million events: $%.2f for the typical parcel's (a status change followed by %d projects, webhook included); $%.2f for a new parcel's first event, followed by none\n",
		perEvent*1e6, parcel.Projects, Cost(byName["event, new parcel"]).Total()*1e6)
	cheapest := Cheapest()
	fmt.Fprintf(w, "\nper tracked parcel: $%.6f, against the aggregators' published prices per shipment:\n", total.Total())
	for _, a := range Aggregators {
		note := ""
		if !a.Verified {
			note = " (not verified on the aggregator's own page)"
		}
		fmt.Fprintf(w, "  %-20s $%.4f  parcelgate is %5.2f %% of it%s\n", a.Name, a.PerShipment, 100*total.Total()/a.PerShipment, note)
	}
	verdict := "met"
	if total.Total() > cheapest.PerShipment/100 {
		verdict = "NOT met"
	}
	fmt.Fprintf(w, "target ≤ 1 %% of the cheapest verified (%s, $%.4f): %s\n", cheapest.Name, cheapest.PerShipment, verdict)
	fmt.Fprintf(w, "\nprices: AWS list prices, %s, read %s (internal/cost/prices.go)\n", PricesRegion, PricesDate)
	return nil
}
