package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parcelgate/parcelgate/internal/apiclient"
	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
)

func searchCommand(f *userFlags) *cobra.Command {
	var types, statuses []string
	var day, from, to, id, reference, sort string
	var page, size int
	cmd := &cobra.Command{
		Use:   "search [flags]",
		Short: "Find requests (message injections and jobs) by type, status, date, id or reference",
		Long: `Searches your client's requests (the message gateway's tracker). Criteria are ANDed;
the values of a repeated flag are ORed. With no criteria: requests received
today (UTC).`,
		Example: `  parcelgate tracker search --status Invalid --status Failed --from 2026-11-01 --to 2026-11-30
  parcelgate tracker search --reference ABC12345 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := searchRequest(types, statuses, day, from, to, id, reference, sort, page, size)
			if err != nil {
				return err
			}
			api, err := f.client(cmd)
			if err != nil {
				return err
			}
			r, err := api.SearchTrackerWithResponse(cmd.Context(), req)
			if err != nil {
				return err
			}
			env, err := apiclient.Expect(r.JSON200, r)
			if err != nil {
				return err
			}
			res := env.Data
			// -o json prints the data as the API sent it.
			var raw struct{ Data json.RawMessage }
			if err := json.Unmarshal(r.Body, &raw); err != nil {
				return err
			}
			t := table{header: []string{"ID", "RECEIVED", "STATUS", "BATCH_REFERENCE", "TOTAL", "COMPLETE", "INVALID", "FAILED"}, json: []byte(raw.Data)}
			for _, r := range res.Requests {
				m := r.MessageStatusSummary
				t.rows = append(t.rows, []string{r.Id, timestamp(r.ReceivedDate), string(r.RequestStatus), deref(r.BatchReference), itoa(m.Total), itoa(m.Complete), itoa(m.Invalid), itoa(m.Failed)})
			}
			if err := t.print(cmd.OutOrStdout(), f.output); err != nil {
				return err
			}
			if f.output == "table" {
				fmt.Fprintf(cmd.ErrOrStderr(), "page %d (%d a page) of %d requests\n", res.Paging.Number, res.Paging.Size, res.Paging.TotalRequests)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&types, "type", nil, "messageType: TrackingEvent, Shipment, ServiceChange or TrackingNumber (repeatable)")
	fl.StringSliceVar(&statuses, "status", nil, "messageStatus: Queued, Processing, Cancelled, Failed, Invalid or Complete (repeatable)")
	fl.StringVar(&day, "date", "", "received on this day (YYYY-MM-DD, UTC)")
	fl.StringVar(&from, "from", "", "received on or after this day (with --to)")
	fl.StringVar(&to, "to", "", "received on or before this day (with --from)")
	fl.StringVar(&id, "id", "", "a request's id")
	fl.StringVar(&reference, "reference", "", "a batch reference or a message's external reference")
	fl.StringVar(&sort, "sort", "", "receivedDate, processedDate or batchReference, optionally :asc or :desc")
	fl.IntVar(&page, "page", 0, "page number, from 1")
	fl.IntVar(&size, "size", 0, "requests a page, at most 100")
	return cmd
}

// searchRequest turns the search flags into the tracker's request; the
// API judges the values and says what is wrong with them.
func searchRequest(types, statuses []string, day, from, to, id, reference, sort string, page, size int) (gen.TrackerSearch, error) {
	var req gen.TrackerSearch
	var criteria []gen.TrackerCriterion
	add := func(by string, values []string) {
		c := gen.TrackerCriterion{By: by}
		switch len(values) {
		case 0:
			return
		case 1:
			_ = c.Value.FromTrackerCriterionValue0(values[0])
		default:
			_ = c.Value.FromTrackerCriterionValue1(values)
		}
		criteria = append(criteria, c)
	}
	add("messageType", types)
	add("messageStatus", statuses)
	switch {
	case day != "" && (from != "" || to != ""):
		return req, errors.New("give --date, or --from and --to, not both")
	case day != "":
		add("receivedDate", []string{day})
	case from != "" && to != "":
		c := gen.TrackerCriterion{By: "receivedDate"}
		_ = c.Value.FromTrackerCriterionValue1([]string{from, to})
		criteria = append(criteria, c)
	case from != "" || to != "":
		return req, errors.New("--from and --to go together")
	}
	if id != "" {
		add("id", []string{id})
	}
	if reference != "" {
		add("externalReference", []string{reference})
	}
	if len(criteria) > 0 {
		req.Search = &criteria
	}
	if page != 0 || size != 0 {
		if size == 0 {
			size = 100
		}
		req.Paging = &gen.TrackerPaging{Number: &gen.TrackerPaging_Number{}, Size: &gen.TrackerPaging_Size{}}
		_ = req.Paging.Number.FromTrackerPagingNumber0(max(page, 1))
		_ = req.Paging.Size.FromTrackerPagingSize0(size)
	}
	if sort != "" {
		by, order, _ := strings.Cut(sort, ":")
		if order == "" {
			order = "desc"
		}
		req.Sorts = &[]gen.TrackerSort{{By: by, Order: &order}}
	}
	return req, nil
}
