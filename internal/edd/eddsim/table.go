package eddsim

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parcelgate/parcelgate/internal/edd"
)

// confidences are the levels every table reports, each with its count,
// even when no estimate had it: a level that is missing from a table
// could hide a miscalibrated one.
var confidences = []edd.Confidence{edd.High, edd.Medium, edd.Low}

// Table prints the run's figures: the learned estimates overall and per
// confidence level, beside the standard table's alone and the oracle's,
// at pick-up and over every re-estimate.
func (r Run) Table(w io.Writer) error {
	fmt.Fprintf(w, "%d parcels, %d messages; scored: the %d shipped in the last part of the period, estimated at pick-up and at every event (%d delivered, %d stopped; %d of them a new project's, with no history)\n\n",
		r.Parcels, r.Messages, r.Scored, r.Delivered, r.Stopped, r.NewShop)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ESTIMATE\tCONFIDENCE\tAT PICK-UP: PARCELS\tMAE (DAYS)\tWITHIN ±1 DAY\tBY LATEST\tBEFORE EARLIEST\tEVERY EVENT: ESTIMATES\tMAE (DAYS)\tBY LATEST")
	for _, row := range r.rows() {
		fmt.Fprintln(tw, strings.Join(row.cells(), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\ncoverage (estimates at pick-up from the project's own deliveries): %s\n", r.coverage())
	fmt.Fprintf(w, "MAE of the learned estimate: %s; %s\n", r.ratios(), r.oracleVerdict())
	return r.Stalls.table(w)
}

// Markdown writes the figures as the README shows them, headed by what
// was run (store is the backend's name).
func (r Run) Markdown(w io.Writer, store string) error {
	o := r.Options
	fmt.Fprintf(w, "%d parcels (seed %d, %d weeks) through the message path on %s, %d messages in requests of %s of history; scored: the %d shipped in the last %.0f%% of the period, estimated at the end of their pick-up's request and of every request with their events (%d delivered, %d stopped; %d of them followed by a project that starts with the scored part, with no history: one in %d from then on).\n\n",
		r.Parcels, o.Seed, o.Span/week, store, r.Messages, hours(o.Window), r.Scored, 100*o.Scored, r.Delivered, r.Stopped, r.NewShop, newShopShare)
	fmt.Fprintln(w, "| estimate | confidence | at pick-up: parcels | MAE (days) | within ±1 day | by latest | before earliest | every event: estimates | MAE (days) | by latest |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, row := range r.rows() {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row.cells(), " | "))
	}
	fmt.Fprintf(w, "\nCoverage (estimates at pick-up from the project's own deliveries): %s. MAE of the learned estimate: %s; %s.\n",
		r.coverage(), r.ratios(), r.oracleVerdict())
	return nil
}

// tableRow is one row of the figures: an estimate at pick-up and over
// every re-estimate (none for the oracle, which estimates at pick-up
// only).
type tableRow struct {
	name, conf    string
	pickup, every Score
	atPickupOnly  bool
}

func (r Run) rows() []tableRow {
	rows := []tableRow{{name: "learned", conf: "all", pickup: r.Learned, every: r.Every.Learned}}
	for _, c := range confidences {
		rows = append(rows, tableRow{name: "learned", conf: string(c), pickup: r.level(c), every: r.Every.level(c)})
	}
	return append(rows, tableRow{name: "standard table", conf: "low", pickup: r.Standard, every: r.Every.Standard},
		tableRow{name: oracleName, conf: "–", pickup: r.Oracle, atPickupOnly: true})
}

func (t tableRow) cells() []string {
	p, e := t.pickup, t.every
	estimates := strconv.Itoa(e.N)
	if t.atPickupOnly {
		estimates = "–"
	}
	return []string{t.name, t.conf, strconv.Itoa(p.N), days(p), share(p, p.Within1Day()), share(p, p.ByLatest()), share(p, p.BeforeEarliest()),
		estimates, days(e), share(e, e.ByLatest())}
}

// ratios are the learned MAE as a share of the standard table's, at
// pick-up and over every re-estimate.
func (r Run) ratios() string {
	return fmt.Sprintf("%.0f%% of the standard table's at pick-up, %.0f%% over every re-estimate", 100*r.maeRatio(), 100*r.Every.maeRatio())
}

// hours prints a window as the README speaks of it: "1 h", "6 h".
func hours(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d h", d/time.Hour)
	}
	return d.String()
}

func days(s Score) string {
	if s.N == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", s.MAE())
}

func share(s Score, x float64) string {
	if s.N == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

func (r Run) coverage() string {
	out := fmt.Sprintf("%.1f%%", 100*r.Coverage())
	for i, b := range []edd.Basis{edd.BasisLane, edd.BasisCarrierService, edd.BasisCarrier, edd.BasisStandard} {
		sep := "; "
		if i > 0 {
			sep = ", "
		}
		out += fmt.Sprintf("%s%s %d", sep, b, r.ByBasis[b])
	}
	return out
}

// oracleName names the oracle's row: it is no estimate parcelgate makes.
const oracleName = "oracle (the model's own parameters)"

// oracleVerdict says whether the target, an MAE at most half the
// standard table's, is within reach at pick-up on this model: the
// oracle's MAE is the least any estimate can have.
func (r Run) oracleVerdict() string {
	ratio := r.Oracle.MAE() / max(r.Standard.MAE(), 1e-9)
	verdict := "so no estimate made at pick-up can meet half on this model"
	if ratio <= 0.5 {
		verdict = "so half is within reach at pick-up"
	}
	return fmt.Sprintf("the oracle's, the floor for any estimate made at pick-up: %.0f%%, %s", 100*ratio, verdict)
}

// ReadmeBlock returns the markers between which a README holds the
// Markdown of a run on store ("memory", "dynamo"): the command writes
// there, and a test checks that what is there has the command's form.
func ReadmeBlock(store string) (begin, end string) {
	return "<!-- edd-evaluation:" + store + " -->\n", "<!-- /edd-evaluation:" + store + " -->"
}

// ReplaceBlock returns doc with the text between store's markers
// replaced by block; an error when doc lacks them, as a README that
// does not show the figures is not to be written silently.
func ReplaceBlock(doc, store, block string) (string, error) {
	begin, end := ReadmeBlock(store)
	i := strings.Index(doc, begin)
	if i < 0 {
		return "", fmt.Errorf("no %q in the document", strings.TrimSpace(begin))
	}
	j := strings.Index(doc[i:], end)
	if j < 0 {
		return "", fmt.Errorf("no %q after %q in the document", end, strings.TrimSpace(begin))
	}
	return doc[:i+len(begin)] + block + doc[i+j:], nil
}

// Block returns the text between store's markers, false without them.
func Block(doc, store string) (string, bool) {
	begin, end := ReadmeBlock(store)
	i := strings.Index(doc, begin)
	if i < 0 {
		return "", false
	}
	j := strings.Index(doc[i+len(begin):], end)
	if j < 0 {
		return "", false
	}
	return doc[i+len(begin) : i+len(begin)+j], true
}
