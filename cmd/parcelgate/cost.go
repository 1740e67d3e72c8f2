package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/parcelgate/parcelgate/internal/cost"
)

// cmdCost prints what each operation costs, measured against its floor,
// and what a tracked parcel costs a month, against the aggregators.
func cmdCost(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: parcelgate cost [flags]\n\nPrints each operation's AWS requests and capacity units (as TestCostPerOperation\nmeasured them), its floor and the ratio, and the dollars at AWS list prices: per\nmillion events and per 1,000 tracked parcels, against the aggregators' prices.")
		fs.PrintDefaults()
	}
	p := cost.Typical
	fs.IntVar(&p.Projects, "projects", p.Projects, "projects subscribing a parcel, each by one job ADD (1 to 3)")
	fs.IntVar(&p.Events, "events", p.Events, "events of a parcel, each a status change")
	fs.IntVar(&p.TrackingReads, "reads", p.TrackingReads, "tracking reads of a parcel")
	fs.BoolVar(&p.Webhooks, "webhooks", p.Webhooks, "a webhook delivery per status change")
	measured := fs.String("measured", "", "a run's measurement (TestCostPerOperation writes .parcelgate/cost-measured.json) instead of internal/cost/measured.json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if p.Projects < 1 || p.Projects > 3 || p.Events < 0 || p.TrackingReads < 0 {
		return fmt.Errorf("--projects must be 1 to 3 (the measured range), --events and --reads not negative")
	}
	ops, err := cost.Measured()
	if *measured != "" {
		var data []byte
		if data, err = os.ReadFile(*measured); err == nil {
			ops, err = cost.Decode(data)
		}
	}
	if err != nil {
		return err
	}
	return cost.Report(os.Stdout, ops, p)
}
