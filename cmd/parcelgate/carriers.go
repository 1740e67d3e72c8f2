package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parcelgate/parcelgate/internal/carrier"
)

// carriersCommand answers from the carrier registry compiled into the
// binary: no API, no login.
func carriersCommand(f *userFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "carriers", Short: "List the carriers parcelgate knows and detect a number's carrier (no API needed)"}
	cmd.AddCommand(carriersListCommand(f), carriersDetectCommand(f))
	return cmd
}

func carriersListCommand(f *userFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the carrier registry",
		Long: `Lists every carrier with its formats. -o json prints the registry as
GET /v1/carriers serves it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body := carrier.RegistryJSON()
			t := table{header: []string{"CODE", "NAME", "COUNTRIES", "FORMATS", "TRACKING_URL"}, json: body}
			for _, c := range body.Carriers {
				formats := make([]string, len(c.Formats))
				for i, fm := range c.Formats {
					formats[i] = fm.Name
				}
				t.rows = append(t.rows, []string{c.Code, c.Name, strings.Join(c.Countries, ","), strings.Join(formats, ","), c.TrackingURL})
			}
			return t.print(cmd.OutOrStdout(), f.output)
		},
	}
}

func carriersDetectCommand(f *userFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "detect NUMBER... | detect -",
		Short: "Detect the carriers of tracking numbers, best candidate first",
		Long: `Prints the carriers each number may belong to, check-digit-verified
candidates first, as GET /v1/carriers/detect answers. With -, numbers are
read from standard input, one a line, and each line gets one JSON object
{"input","normalized","candidates"} on its own line, in order (candidates
is [] when there is none); -o json prints numbers given as arguments the
same way.`,
		Example: `  parcelgate carriers detect "1Z 999 AA1 01 2345 6784" RB123456785GB
  cut -d, -f1 numbers.csv | parcelgate carriers detect - > carriers.jsonl`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && args[0] == "-" {
				return detectLines(cmd.InOrStdin(), cmd.OutOrStdout())
			}
			if f.output == "json" {
				return detectLines(strings.NewReader(strings.Join(args, "\n")), cmd.OutOrStdout())
			}
			t := table{header: []string{"INPUT", "CARRIER", "FORMAT", "CHECK_DIGIT"}}
			for _, a := range args {
				d := carrier.DetectJSON(a)
				if len(d.Candidates) == 0 {
					t.rows = append(t.rows, []string{a, "-", "-", "-"})
				}
				for _, c := range d.Candidates {
					t.rows = append(t.rows, []string{a, c.Carrier, c.Format, c.CheckDigit})
				}
			}
			return t.print(cmd.OutOrStdout(), f.output)
		},
	}
}

// detectLines writes one detection a line of in, as a JSON object a line.
// Both sides are buffered, so a file of a million numbers takes seconds.
func detectLines(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	// A line longer than any number is still read whole, and answered
	// with no candidate, rather than stopping the stream.
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	w := bufio.NewWriterSize(out, 64*1024)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for sc.Scan() {
		if err := enc.Encode(carrier.DetectJSON(strings.TrimSuffix(sc.Text(), "\r"))); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading numbers: %w", err)
	}
	return w.Flush()
}
