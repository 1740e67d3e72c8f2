package eddsim

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/parcelgate/parcelgate/internal/edd"
)

// Table prints the run's figures: the learned estimates overall and per
// confidence level, beside the standard table's alone.
func (r Run) Table(w io.Writer) error {
	fmt.Fprintf(w, "%d parcels, %d messages; scored: the %d shipped in the last part of the period, estimated at pick-up (%d delivered, %d stopped)\n\n",
		r.Parcels, r.Messages, r.Scored, r.Delivered, r.Stopped)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ESTIMATE\tCONFIDENCE\tPARCELS\tMAE (DAYS)\tWITHIN ±1 DAY\tBY LATEST\tBEFORE EARLIEST")
	row := func(name, conf string, s Score) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.1f%%\t%.1f%%\t%.1f%%\n", name, conf, s.N, s.MAE(), 100*s.Within1Day(), 100*s.ByLatest(), 100*s.BeforeEarliest())
	}
	row("learned", "all", r.Learned)
	for _, c := range []edd.Confidence{edd.High, edd.Medium, edd.Low} {
		if s := r.ByConfidence[c]; s != nil {
			row("learned", string(c), *s)
		}
	}
	row("standard table", "low", r.Standard)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\ncoverage (estimates from the project's own deliveries): %.1f%%", 100*r.Coverage())
	for _, b := range []edd.Basis{edd.BasisLane, edd.BasisCarrierService, edd.BasisCarrier, edd.BasisStandard} {
		fmt.Fprintf(w, "; %s %d", b, r.ByBasis[b])
	}
	fmt.Fprintf(w, "\nMAE of the learned estimate: %.0f%% of the standard table's\n", 100*r.Learned.MAE()/max(r.Standard.MAE(), 1e-9))
	return r.Stalls.table(w)
}
