package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/parcelgate/parcelgate/internal/apiclient"
	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
	"github.com/parcelgate/parcelgate/internal/bulk"
)

// The end-user commands: login, jobs, track, tracker. They talk to a
// deployed (or local) API over HTTP with the session `login` saved.

// userFlags are the flags every end-user command shares.
type userFlags struct {
	output string
	url    string
	// poll is how often a waiting command asks about its jobs.
	poll time.Duration
}

func (f *userFlags) httpClient(stderr io.Writer) *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.ResponseHeaderTimeout = time.Minute
	return &http.Client{Transport: &apiclient.RetryTransport{
		Base: base, Attempts: 8, MaxWait: 2 * time.Minute,
		Waited: func(status int, d time.Duration) {
			fmt.Fprintf(stderr, "parcelgate: the API is busy (%d); retrying in %s\n", status, d)
		},
	}}
}

// client is the API client of the saved session (see session).
func (f *userFlags) client(cmd *cobra.Command) (*gen.ClientWithResponses, error) {
	s, err := f.session(cmd)
	if err != nil {
		return nil, err
	}
	return s.Client()
}

// session loads the saved session; --url, when given, overrides its URL.
func (f *userFlags) session(cmd *cobra.Command) (*apiclient.Session, error) {
	path, err := apiclient.SessionPath()
	if err != nil {
		return nil, err
	}
	s, err := apiclient.LoadSession(f.httpClient(cmd.ErrOrStderr()), path)
	if err != nil {
		return nil, err
	}
	if f.url != "" {
		s.URL = strings.TrimRight(f.url, "/")
	}
	return s, nil
}

func addUserCommands(root *cobra.Command) {
	f := &userFlags{}
	root.PersistentFlags().StringVarP(&f.output, "output", "o", "table", "output format: table, json or csv")
	root.PersistentFlags().StringVar(&f.url, "url", "", "API base URL (default: the one given to login)")
	root.PersistentFlags().DurationVar(&f.poll, "poll", 2*time.Second, "how often to ask about running jobs")
	_ = root.PersistentFlags().MarkHidden("poll")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if !slices.Contains(outputFormats, f.output) {
			return fmt.Errorf("--output must be one of %s, not %q", strings.Join(outputFormats, ", "), f.output)
		}
		return nil
	}
	jobs := &cobra.Command{Use: "jobs", Short: "Submit tracking-number jobs and read their reports"}
	jobs.AddCommand(submitCommand(f), reportCommand(f))
	tracker := &cobra.Command{Use: "tracker", Short: "Search what happened to the requests you sent"}
	tracker.AddCommand(searchCommand(f))
	root.AddGroup(&cobra.Group{ID: "use", Title: "Using an API:"})
	for _, c := range []*cobra.Command{loginCommand(f), jobs, trackCommand(f), tracker, analyticsCommand(f), carriersCommand(f), credentialsCommand(f)} {
		c.GroupID = "use"
		root.AddCommand(c)
	}
}

func loginCommand(f *userFlags) *cobra.Command {
	var clientID, secret string
	cmd := &cobra.Command{
		Use:   "login --url URL --client-id ID [--client-secret SECRET]",
		Short: "Get a token with a client credential and keep it for the other commands",
		Long: `Gets an access token with the client-credentials grant and saves it, with
the credential that renews it, in the user's configuration directory
(readable by the user only). The secret comes from --client-secret, from
PARCELGATE_CLIENT_SECRET, or is asked for.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.url == "" {
				return errors.New("--url is required: the API's base URL, e.g. http://127.0.0.1:3000")
			}
			if secret == "" {
				secret = os.Getenv("PARCELGATE_CLIENT_SECRET")
			}
			if secret == "" {
				s, err := readSecret(cmd)
				if err != nil {
					return err
				}
				secret = s
			}
			path, err := apiclient.SessionPath()
			if err != nil {
				return err
			}
			s, err := apiclient.Login(cmd.Context(), f.httpClient(cmd.ErrOrStderr()), path, f.url, clientID, secret)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "logged in to %s as %s; token renewed automatically (session in %s)\n", s.URL, s.ClientID, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&clientID, "client-id", "", "client id (required)")
	cmd.Flags().StringVar(&secret, "client-secret", "", "client secret (default: $PARCELGATE_CLIENT_SECRET, or asked for)")
	_ = cmd.MarkFlagRequired("client-id")
	return cmd
}

// readSecret asks for the secret on a terminal, or reads one line of
// standard input otherwise (echo "$SECRET" | parcelgate login ...).
func readSecret(cmd *cobra.Command) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "client secret: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if s := strings.TrimSpace(line); s != "" {
		return s, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return "", errors.New("no client secret: give --client-secret, set PARCELGATE_CLIENT_SECRET, or type it when asked")
}

func submitCommand(f *userFlags) *cobra.Command {
	var project, action, report string
	cmd := &cobra.Command{
		Use:   "submit --project P numbers.csv",
		Short: "Subscribe (or remove) every tracking number of a CSV file, in jobs of 1,000",
		Long: `Reads a CSV file with a trackingNumber column (and optionally carrier),
submits it as jobs of at most 1,000 numbers, waits for them and writes one
report of every number's outcome, in the file's order.

Each job's Idempotency-Key is derived from the file's numbers, the project,
the action and the job's place in the file: running the same command again
(after a crash or Ctrl-C) finds the jobs already made instead of making new
ones, and carries on.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			action = strings.ToUpper(action)
			if action != "ADD" && action != "REMOVE" {
				return fmt.Errorf("--action must be ADD or REMOVE, not %q", action)
			}
			in, err := os.Open(args[0])
			if err != nil {
				return err
			}
			file, err := bulk.Parse(in)
			in.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if report == "" {
				report = strings.TrimSuffix(args[0], filepath.Ext(args[0])) + ".report.csv"
			}
			api, err := f.client(cmd)
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			run := &bulkRun{client: api, project: project, action: gen.JobAction(action),
				chunks: file.Chunks(project, action), poll: f.poll}
			fmt.Fprintf(stderr, "%d numbers in %d jobs\n", len(file.Rows), len(run.chunks))
			run.progress = newProgress(stderr, len(file.Rows))
			run.progress.Describe("submitting")
			if err := run.submit(cmd.Context()); err != nil {
				return resumable(err)
			}
			run.progress.Describe("waiting")
			if err := run.wait(cmd.Context()); err != nil {
				return resumable(err)
			}
			_ = run.progress.Finish()
			if err := writeFile(report, func(w io.Writer) error { return run.writeReport(cmd.Context(), w) }); err != nil {
				return err
			}
			if err := jobsTable(run.jobs).print(cmd.OutOrStdout(), f.output); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "report: %s\n", report)
			for _, j := range run.jobs {
				if j.Status != gen.JobStatusCOMPLETED {
					return fmt.Errorf("job %s is %s: its numbers are FAILED in the report; submit them again", j.JobId, j.Status)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&project, "project", "", "project id (required)")
	cmd.Flags().StringVar(&action, "action", "ADD", "ADD or REMOVE")
	cmd.Flags().StringVar(&report, "report", "", "where to write the merged report CSV (default: FILE.report.csv)")
	_ = cmd.MarkFlagRequired("project")
	return cmd
}

// resumable tells an interrupted user how to carry on.
func resumable(err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted: run the same command again to carry on; the jobs already submitted are found again, not duplicated")
	}
	return fmt.Errorf("%w (run the same command again to carry on: the jobs already submitted are found again, not duplicated)", err)
}

// writeFile writes path through a sibling renamed into place, so a crash
// leaves no half report.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func reportCommand(f *userFlags) *cobra.Command {
	var project string
	cmd := &cobra.Command{
		Use:   "report --project P JOB",
		Short: "A completed job's outcome for each number, in submission order",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := f.client(cmd)
			if err != nil {
				return err
			}
			r, err := report(cmd.Context(), api, project, args[0])
			if err != nil {
				return err
			}
			t := table{header: reportHeader[:4], json: r}
			for _, res := range r.Results {
				t.rows = append(t.rows, []string{res.TrackingNumber, deref(res.Carrier), string(res.Outcome), deref(res.Message)})
			}
			return t.print(cmd.OutOrStdout(), f.output)
		},
	}
	cmd.Flags().StringVar(&project, "project", "", "project id (required)")
	_ = cmd.MarkFlagRequired("project")
	return cmd
}

func trackCommand(f *userFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "track NUMBER",
		Short: "A parcel's status and its history, newest first (public: no login needed with --url)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			base := f.url
			if base == "" {
				s, err := f.session(cmd)
				if err != nil {
					return fmt.Errorf("give --url, or %w", err)
				}
				base = s.URL
			}
			// Public: no token.
			api, err := apiclient.New(base, &apiclient.Doer{HTTP: f.httpClient(cmd.ErrOrStderr())})
			if err != nil {
				return err
			}
			r, err := api.GetTrackingWithResponse(cmd.Context(), args[0], nil)
			if err != nil {
				return err
			}
			tr, err := apiclient.Expect(r.JSON200, r)
			if err != nil {
				return err
			}
			t := table{header: []string{"DATETIME", "TAG", "SUBTAG", "STATUS", "ORIGIN_STATUS", "AGENCY"}, json: r.Body}
			for _, ev := range tr.TrackingDetails {
				t.rows = append(t.rows, []string{ev.Datetime, string(ev.Tag), string(ev.Subtag), ev.Status, deref(ev.OriginStatus), deref(ev.Agency)})
			}
			out := cmd.OutOrStdout()
			if f.output == "table" {
				fmt.Fprintf(out, "%s  %s\nstatus:   %s %s (%s; updated %s)\n", tr.TrackingNumber, tr.Type, tr.Tag, tr.Subtag, tr.Status, deref(tr.UpdatedAt))
				if len(tr.ExpectedFlow) > 0 {
					fmt.Fprintf(out, "expected: %s\n", strings.Join(tr.ExpectedFlow, " → "))
				}
				fmt.Fprintln(out)
			}
			return t.print(out, f.output)
		},
	}
}
