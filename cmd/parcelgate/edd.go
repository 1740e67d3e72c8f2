package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd/eddsim"
)

const eddUsage = `usage: parcelgate edd evaluate [--parcels N] [--seed S] [--weeks W]

Measures the estimated delivery: generates N parcel histories (default
50,000) with the seeded model of internal/edd/eddsim, injects them through
the message path in process on the memory backends with their historical
timestamps, and scores the estimates made at pick-up of the parcels shipped
in the last fifth of the period against their deliveries, beside the
standard table's alone, and their stall flags against the parcels the
model kept silent (stalled precision and recall, beside the fixed
thresholds' alone). Prints the tables the README shows.`

func cmdEdd(ctx context.Context, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Println(eddUsage)
		return nil
	}
	if args[0] != "evaluate" {
		return fmt.Errorf("unknown edd command %q: edd evaluate", args[0])
	}
	o := eddsim.DefaultOptions()
	fs := flag.NewFlagSet("edd evaluate", flag.ContinueOnError)
	parcels := fs.Int("parcels", o.Parcels, "how many parcel histories")
	seed := fs.Uint64("seed", o.Seed, "the same seed draws the same histories")
	weeks := fs.Int("weeks", int(o.Span/(7*24*time.Hour)), "over how many weeks the parcels are shipped (from 7 Sep 2026)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *parcels < 100 || *parcels > 1_000_000:
		return errors.New("--parcels must be from 100 to 1,000,000")
	case *weeks < 2 || *weeks > 104:
		return errors.New("--weeks must be from 2 to 104")
	}
	o.Parcels, o.Seed, o.Span = *parcels, *seed, time.Duration(*weeks)*7*24*time.Hour
	last := -1
	o.Progress = func(done, total int) {
		if p := 10 * done / max(total, 1); p != last {
			last = p
			fmt.Fprintf(os.Stderr, "\r%3d%% of the period injected", 10*p)
		}
	}
	run, err := eddsim.Evaluate(ctx, o)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return err
	}
	return run.Table(os.Stdout)
}
