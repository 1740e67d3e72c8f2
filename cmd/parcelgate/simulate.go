package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/parcelgate/parcelgate/internal/samtemplate"
	"github.com/parcelgate/parcelgate/internal/scalesim"
)

// cmdSimulate prints the partition-level scale simulation, the report
// docs/scale.md holds.
func cmdSimulate(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: parcelgate simulate [flags]\n\nPlays the peak second of a synthetic day against the table's key builders and\nprints the hottest partition keys of the table and its indexes, the keys past\nDynamoDB's per-partition limits with the sharding they need, and the queues,\nconcurrency and AWS quotas that sustain the rate (docs/scale.md).")
		fs.PrintDefaults()
	}
	tmplPath := fs.String("template", "template.yaml", "the SAM template (batch sizes, concurrency bounds)")
	rates := fs.String("rates", joinRates(scalesim.Rates), "peak events per second to simulate, comma-separated")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var rs []float64
	for _, f := range strings.Split(*rates, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || r < 1 || r > 1e6 {
			return fmt.Errorf("--rates: %q is not a rate from 1 to 1,000,000 events per second", f)
		}
		rs = append(rs, r)
	}
	tmpl, err := samtemplate.Load(*tmplPath)
	if err != nil {
		return err
	}
	sims, err := scalesim.Simulate(tmpl, rs)
	if err != nil {
		return err
	}
	scalesim.Render(os.Stdout, sims)
	return nil
}

func joinRates(rs []float64) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}
