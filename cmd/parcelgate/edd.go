package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/devstack"
	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/edd/eddsim"
	"github.com/parcelgate/parcelgate/internal/samtemplate"
)

const eddUsage = `usage: parcelgate edd evaluate [--parcels N] [--seed S] [--weeks W] [--window D]
                               [--store memory|dynamo] [-o text|markdown] [--chart FILE.svg] [--readme FILE]

Measures the estimated delivery: generates N parcel histories (default
50,000) with the seeded model of internal/edd/eddsim, injects them through
the message path in process with their historical timestamps, and scores
the estimates of the parcels shipped in the last fifth of the period
(one in ten of them a new project's, with no history) against their
deliveries, made at pick-up and at every request with their events,
beside the standard table's alone and, at pick-up, an oracle's that knows
the model's own parameters (the floor of any estimate's error); and
their stall flags against the parcels the model kept silent (stalled
precision and recall, beside the fixed thresholds' alone).
Each message request carries --window of history (default 1h): estimates
are made at its end, so at most that long after pick-up.

--store dynamo keeps everything in a table of its own on the DynamoDB
endpoint of AWS_ENDPOINT_URL_DYNAMODB (the emulators: run it under
'parcelgate stack --'), dropped afterwards; the same seed gives the same
figures as on memory. -o markdown prints the table the README shows;
--readme FILE writes it into FILE between the store's markers
(<!-- edd-evaluation:memory --> ... <!-- /edd-evaluation:memory -->).
--chart draws predicted against actual transit (SVG, or PNG by name).`

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
	window := fs.Duration("window", o.Window, "how much history one message request carries (estimates are made at its end)")
	store := fs.String("store", "memory", "memory, or dynamo (the emulators)")
	output := fs.String("o", "text", "text or markdown")
	chart := fs.String("chart", "", "draw predicted vs actual transit into this SVG file")
	readme := fs.String("readme", "", "write the markdown table into this file, between the store's markers")
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
	case *window < time.Minute || *window > 24*time.Hour:
		return errors.New("--window must be from 1m to 24h")
	case *store != "memory" && *store != "dynamo":
		return fmt.Errorf("--store must be memory or dynamo, not %q", *store)
	case *output != "text" && *output != "markdown":
		return fmt.Errorf("-o must be text or markdown, not %q", *output)
	}
	var doc []byte
	if *readme != "" {
		// Read, and check for the markers, before minutes of work.
		var err error
		if doc, err = os.ReadFile(*readme); err != nil {
			return err
		}
		if _, err := eddsim.ReplaceBlock(string(doc), *store, ""); err != nil {
			return fmt.Errorf("%s: %w", *readme, err)
		}
	}
	o.Parcels, o.Seed, o.Span, o.Window = *parcels, *seed, time.Duration(*weeks)*7*24*time.Hour, *window
	last := -1
	o.Progress = func(done, total int) {
		if p := 10 * done / max(total, 1); p != last {
			last = p
			fmt.Fprintf(os.Stderr, "\r%3d%% of the period injected", 10*p)
		}
	}
	backend, drop := eddsim.MemoryBackend(), func() {}
	if *store == "dynamo" {
		var err error
		if backend, drop, err = emulatorBackend(ctx); err != nil {
			return err
		}
		backend.Name = "the DynamoDB emulator"

	}
	started := time.Now()
	run, err := eddsim.Evaluate(ctx, o, backend)
	drop()
	fmt.Fprintf(os.Stderr, "\nevaluated in %s on %s\n", time.Since(started).Round(time.Second), backend.Name)
	if err != nil {
		return err
	}
	if *chart != "" {
		if err := run.Chart(*chart); err != nil {
			return err
		}
	}
	var md bytes.Buffer
	if err := run.Markdown(&md, backend.Name); err != nil {
		return err
	}
	if *readme != "" {
		out, err := eddsim.ReplaceBlock(string(doc), *store, md.String())
		if err != nil {
			return err
		}
		if err := os.WriteFile(*readme, []byte(out), 0o644); err != nil {
			return err
		}
	}
	if *output == "markdown" {
		_, err := io.Copy(os.Stdout, &md)
		return err
	}
	return run.Table(os.Stdout)
}

// emulatorBackend provisions a table of its own on the DynamoDB endpoint
// the environment names, and returns the backend over it and what drops
// it. It refuses to run without an endpoint: thousands of parcels are not
// to be written to an AWS account by a missing variable.
func emulatorBackend(ctx context.Context) (eddsim.Backend, func(), error) {
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" {
		return eddsim.Backend{}, nil, errors.New("--store dynamo needs AWS_ENDPOINT_URL_DYNAMODB (the emulators): run it under 'parcelgate stack --' or after '. .parcelgate/stack.env'")
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return eddsim.Backend{}, nil, err
	}
	tmpl, err := samtemplate.Load("template.yaml")
	if err != nil {
		return eddsim.Backend{}, nil, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	res, err := devstack.Provision(ctx, cfg, tmpl, "eddeval"+hex.EncodeToString(b))
	if err != nil {
		return eddsim.Backend{}, nil, err
	}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	table := res.Tables["Table"]
	drop := func() {
		if _, err := client.DeleteTable(context.WithoutCancel(ctx), &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			fmt.Fprintf(os.Stderr, "\ntable %s left on the emulator: %v\n", table, err)
		}
	}
	return eddsim.DynamoBackend(dynamo.Open(client, table, dynamo.Options{})), drop, nil
}
