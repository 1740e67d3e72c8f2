package main

import (
	"context"
	crand "crypto/rand"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the generator's time zones, the same on every machine

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/message"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

// demoConcurrency is how many requests the demo command sends at once.
const demoConcurrency = 4

// cmdDemo fills a running API with generated parcels: shipments and their
// event histories, through POST /v1/messages as a client would send them.
func cmdDemo(ctx context.Context, args []string) error {
	return runDemo(ctx, &http.Client{Timeout: time.Minute}, args)
}

// runDemo is cmdDemo talking through hc (tests check every exchange).
func runDemo(ctx context.Context, hc *http.Client, args []string) error {
	addr := os.Getenv("PARCELGATE_ADDR")
	if addr == "" {
		addr = "127.0.0.1:3000"
	}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	baseURL := fs.String("url", "http://"+addr, "the API's base URL")
	parcels := fs.Int("parcels", 3000, "how many parcels to generate")
	clientID := fs.String("client-id", "", "credential to send with; default: a new one in the dev server's table")
	clientSecret := fs.String("client-secret", "", "the credential's secret")
	seed := fs.Uint64("seed", 0, "the same seed generates the same parcels; default: a random one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *parcels < 1:
		return errors.New("--parcels must be at least 1")
	case (*clientID == "") != (*clientSecret == ""):
		return errors.New("--client-id and --client-secret go together")
	}
	if *seed == 0 {
		*seed = 1 + rand.Uint64N(999999) // short enough to type again
	}
	start := time.Now()
	api := &demoAPI{base: strings.TrimRight(*baseURL, "/"), http: hc}
	if err := api.reachable(ctx); err != nil {
		return fmt.Errorf("no parcelgate API at %s (start one with make run): %w", api.base, err)
	}
	id, secret := *clientID, *clientSecret
	if id == "" {
		var err error
		if id, secret, err = demoCredential(ctx); err != nil {
			return err
		}
		// The tracker shows a client only its own requests: this one's.
		fmt.Printf("The parcels go in as a new credential of client demo-data:\n  clientId=%s  clientSecret=%s\n", id, secret)
	}
	if err := api.login(ctx, id, secret); err != nil {
		return err
	}

	generated := generateDemo(*seed, *parcels, time.Now().Truncate(time.Hour))
	batches := demoBatches(generated, message.MaxMessages)
	total := 0
	for _, b := range batches {
		total += len(b.Messages)
	}
	fmt.Printf("Sending %d parcels as %d messages in %d requests to %s (seed %d, client %s); "+
		"with the default 3,000 parcels this takes about 2 minutes\n",
		len(generated), total, len(batches), api.base, *seed, id)
	if err := api.sendAll(ctx, batches, fmt.Sprintf("demo-%d", *seed)); err != nil {
		return err
	}
	sent := time.Since(start)
	fmt.Println("Accepted; waiting until the server shows them ...")
	applied, err := api.waitApplied(ctx, batches, 3*time.Minute)
	if err != nil {
		return err
	}
	fmt.Printf("\nSent %d parcels (%d messages, %d requests) in %s", len(generated), total, len(batches), sent.Round(100*time.Millisecond))
	if applied == len(batches) {
		fmt.Printf("; all shown after %s.\n", time.Since(start).Round(100*time.Millisecond))
	} else {
		fmt.Printf("; %d of %d requests shown after %s, the rest are still queued.\n", applied, len(batches), time.Since(start).Round(time.Second))
	}
	fmt.Printf("The same parcels again: --seed %d\n", *seed)
	// A job reads each number's current tag, so the parcels join the
	// project once they are shown.
	projectID, err := api.subscribe(ctx, generated, *seed, time.Minute)
	if err != nil {
		fmt.Printf("Could not subscribe the parcels to a project, so no list by tag: %v\n", err)
	} else {
		fmt.Printf("Subscribed them all to a new project, %s\n", projectID)
	}
	fmt.Println()
	shownSecret := secret
	if *clientSecret != "" {
		shownSecret = "" // the caller's own: not echoed
	}
	printDemoExamples(api.base, generated, projectID, id, shownSecret)
	return nil
}

// demoCredential creates a fresh credential in the dev server's table, as
// `parcelgate client create` does; a new id each run lets runs repeat.
func demoCredential(ctx context.Context) (id, secret string, err error) {
	secret, err = auth.NewSecret()
	if err != nil {
		return "", "", err
	}
	id = "demo-data-" + strings.ToLower(crand.Text()[:8])
	if err := useLocalStack(stateDir, true); err != nil {
		return "", "", fmt.Errorf("%w (or pass --client-id and --client-secret)", err)
	}
	if err := createCredential(ctx, "demo-data", id, secret); err != nil {
		return "", "", fmt.Errorf("creating a demo credential (or pass --client-id and --client-secret): %w", err)
	}
	return id, secret, nil
}

// printDemoExamples prints commands to try. projectID is the project the
// parcels were subscribed to, "" if they are in none; id and secret are
// the credential they were sent with, secret "" when not to be shown.
func printDemoExamples(base string, parcels []demoParcel, projectID, id, secret string) {
	shown, changed := demoExamples(parcels)
	var lines [][2]string // command, comment
	for _, p := range shown {
		lines = append(lines, [2]string{"curl -s " + base + "/v1/tracking/" + p.Number,
			fmt.Sprintf("%s, %s, %s after %d events", tracking.CarrierName(p.Carrier), p.Type, p.Status, p.Events)})
	}
	if changed != nil {
		lines = append(lines, [2]string{"curl -s " + base + "/v1/tracking/" + changed.Number + "/service_history",
			"service changed to " + changed.Service})
	}
	if len(shown) > 0 {
		lines = append(lines, [2]string{"curl -s " + base + "/v1/tracking/flow/" + shown[0].Type, "the statuses of its type"})
	}
	if p := demoInTrouble(parcels); p != nil {
		lines = append(lines, [2]string{base + "/track/" + p.Number,
			fmt.Sprintf("in a browser: a parcel in trouble, %s, %s", tracking.CarrierName(p.Carrier), p.Subtag)})
	}
	fmt.Println("Look around (the tracking routes are public):")
	printAligned(lines)

	if secret == "" {
		secret = "<secret>"
	}
	auth := ` -H "Authorization: Bearer $TOKEN"`
	lines = nil
	if projectID != "" {
		attention := map[tag.Tag]int{}
		for _, p := range parcels {
			attention[p.Subtag.Tag()]++
		}
		for _, t := range []tag.Tag{tag.Exception, tag.AttemptFail} {
			lines = append(lines, [2]string{`curl -s "` + base + "/v1/projects/" + projectID + "/tracking-numbers?tag=" + string(t) + `"` + auth,
				fmt.Sprintf("the %d parcels in %s", attention[t], t)})
		}
	}
	lines = append(lines, [2]string{"curl -s " + base + "/v1/messages/unmapped-statuses" + auth,
		"the raw statuses no mapping table knows yet"})
	fmt.Println("\nWhat needs attention, and what to map next (with a token of the demo's credential):")
	fmt.Printf("  TOKEN=$(curl -s %s/v1/auth/token -u %s:%s -d grant_type=client_credentials | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n", base, id, secret)
	printAligned(lines)
}

// printAligned prints commands with their comments aligned.
func printAligned(lines [][2]string) {
	width := 0
	for _, l := range lines {
		width = max(width, len(l[0]))
	}
	for _, l := range lines {
		fmt.Printf("  %-*s  # %s\n", width, l[0], l[1])
	}
}

// Generation. Everything below is pure: the same seed and clock give the
// same parcels.

// demoMessage is one message of POST /v1/messages (wire: as it is sent).
type demoMessage struct {
	MessageType       string
	ExternalReference string
	Payload           any
	// quirk marks the deliberate oddities, which carriers' feeds have too:
	// "late" (sent after a newer event) and "duplicate" (sent twice).
	quirk string
}

type demoShipment struct {
	TrackingNumber   string         `json:"trackingNumber"`
	Type             string         `json:"type"`
	Service          string         `json:"service"`
	CustomAttributes map[string]any `json:"customAttributes"`
	CreatedAt        string         `json:"createdAt"`
}

type demoEvent struct {
	TrackingNumber string  `json:"trackingNumber"`
	Status         string  `json:"status"`
	OriginStatus   string  `json:"originStatus,omitempty"` // see demoOriginStatus
	Agency         *string `json:"agency"`
	Datetime       string  `json:"datetime"`
}

type demoServiceChange struct {
	TrackingNumber string `json:"trackingNumber"`
	Service        string `json:"service"`
	Datetime       string `json:"datetime"`
}

// demoParcel is one generated parcel and the messages that tell its story.
type demoParcel struct {
	Number   string
	Carrier  carrier.Carrier
	Type     string
	Status   string     // its newest event's
	Subtag   tag.Subtag // its newest event's, as the server classifies it
	Trouble  string     // the kind of trouble in its story, if any (trouble*)
	Service  string     // after any service change
	Events   int
	Changed  bool // it has a ServiceChange
	Messages []demoMessage
}

// demoBatch is one request's worth of whole parcels.
type demoBatch struct {
	Messages []demoMessage
	Parcels  int
	Last     demoParcel
}

// demoBatches packs parcels into batches of at most limit messages without
// splitting a parcel, so each parcel's messages are applied in order.
func demoBatches(parcels []demoParcel, limit int) []demoBatch {
	var out []demoBatch
	for _, p := range parcels {
		if len(out) == 0 || len(out[len(out)-1].Messages)+len(p.Messages) > limit {
			out = append(out, demoBatch{})
		}
		b := &out[len(out)-1]
		b.Messages = append(b.Messages, p.Messages...)
		b.Parcels++
		b.Last = p
	}
	return out
}

// demoExamples picks parcels worth a look: the longest history of three
// carriers, and a parcel whose service changed.
func demoExamples(parcels []demoParcel) (shown []demoParcel, changed *demoParcel) {
	for _, c := range []carrier.Carrier{carrier.InPost, carrier.DHLExpress, demoRoyalMail, carrier.UPS, carrier.FedEx} {
		best := -1
		for i, p := range parcels {
			if p.Carrier == c && (best < 0 || p.Events > parcels[best].Events) {
				best = i
			}
		}
		if best >= 0 && len(shown) < 3 {
			shown = append(shown, parcels[best])
		}
	}
	for i := range parcels {
		if parcels[i].Changed {
			return shown, &parcels[i]
		}
	}
	return shown, nil
}

// demoInTrouble picks, for its tracking page, the parcel with the longest
// history of those that end the demo needing attention (Exception or
// AttemptFail); nil if none does.
func demoInTrouble(parcels []demoParcel) *demoParcel {
	var best *demoParcel
	for i, p := range parcels {
		if p.Subtag.Tag().Attention() && (best == nil || p.Events > best.Events) {
			best = &parcels[i]
		}
	}
	return best
}

// demoProduct is a carrier's kind of shipment.
type demoProduct struct {
	carrier  carrier.Carrier
	typ      string // a shipment type of the flow table
	share    int    // parcels out of 100
	services []string
}

var demoProducts = []demoProduct{
	{carrier.InPost, "inpost_locker_standard", 26, []string{"inpost_locker_standard", "inpost_locker_allegro"}},
	{carrier.InPost, "inpost_courier_standard", 8, []string{"inpost_courier_standard", "inpost_courier_express_1200", "inpost_courier_express_1700"}},
	{carrier.DHLExpress, "parcel_express", 8, []string{"EXPRESS DOMESTIC", "EXPRESS 12:00", "EXPRESS 9:00"}},
	{carrier.DHLExpress, "parcel_international", 8, []string{"EXPRESS WORLDWIDE", "ECONOMY SELECT", "EXPRESS 12:00"}},
	{carrier.FedEx, "parcel_express", 5, []string{"STANDARD_OVERNIGHT", "PRIORITY_OVERNIGHT", "FEDEX_2_DAY"}},
	{carrier.FedEx, "parcel_ground", 5, []string{"FEDEX_GROUND", "GROUND_HOME_DELIVERY"}},
	{carrier.FedEx, "parcel_international", 5, []string{"INTERNATIONAL_PRIORITY", "INTERNATIONAL_ECONOMY"}},
	{carrier.UPS, "parcel_ground", 6, []string{"UPS Ground", "UPS 3 Day Select"}},
	{carrier.UPS, "parcel_express", 4, []string{"UPS Next Day Air", "UPS 2nd Day Air"}},
	{carrier.UPS, "parcel_international", 4, []string{"UPS Worldwide Saver", "UPS Worldwide Express", "UPS Worldwide Expedited"}},
	{demoRoyalMail, "parcel_ground", 4, []string{"Tracked 48", "Tracked 48 Signed"}},
	{demoRoyalMail, "parcel_express", 2, []string{"Tracked 24", "Special Delivery Guaranteed by 1pm"}},
	{demoRoyalMail, "parcel_international", 2, []string{"International Tracked", "International Tracked & Signed"}},
	{demoDPD, "parcel_ground", 5, []string{"DPD CLASSIC", "DPD Home", "DPD Predict"}},
	{demoDPD, "parcel_express", 2, []string{"DPD EXPRESS 12:00", "DPD EXPRESS 10:00"}},
	{demoCanadaPost, "parcel_ground", 3, []string{"Regular Parcel", "Expedited Parcel"}},
	{demoCanadaPost, "parcel_express", 1, []string{"Xpresspost", "Priority"}},
	{demoCanadaPost, "parcel_international", 2, []string{"Xpresspost USA", "Tracked Packet USA", "International Parcel"}},
}

// The carriers of the registry the demo names that package carrier has no
// constant for.
const (
	demoRoyalMail  carrier.Carrier = "royal_mail"
	demoDPD        carrier.Carrier = "dpd"
	demoCanadaPost carrier.Carrier = "canada_post"
)

// demoPlace is where an event happens.
type demoPlace struct {
	agency  string // as the carrier names it
	country string
	zone    string // IANA time zone of the local times it reports
}

// demoNetwork is a parcel carrier's world: its home region, the rest of
// the world for international parcels, and its hubs.
type demoNetwork struct {
	home, abroad, hubs []demoPlace
	currency           string
}

var (
	demoUS = []demoPlace{
		{"New York, NY", "US", "America/New_York"}, {"Atlanta, GA", "US", "America/New_York"},
		{"Chicago, IL", "US", "America/Chicago"}, {"Dallas, TX", "US", "America/Chicago"},
		{"Denver, CO", "US", "America/Denver"}, {"Phoenix, AZ", "US", "America/Phoenix"},
		{"Los Angeles, CA", "US", "America/Los_Angeles"}, {"Seattle, WA", "US", "America/Los_Angeles"},
	}
	demoEurope = []demoPlace{
		{"Berlin, DE", "DE", "Europe/Berlin"}, {"Paris, FR", "FR", "Europe/Paris"},
		{"Madrid, ES", "ES", "Europe/Madrid"}, {"Milano, IT", "IT", "Europe/Rome"},
		{"Amsterdam, NL", "NL", "Europe/Amsterdam"}, {"Warszawa, PL", "PL", "Europe/Warsaw"},
		{"London, GB", "GB", "Europe/London"}, {"Dublin, IE", "IE", "Europe/Dublin"},
	}
	demoWorld = []demoPlace{
		{"Hong Kong, HK", "HK", "Asia/Hong_Kong"}, {"Tokyo, JP", "JP", "Asia/Tokyo"},
		{"Singapore, SG", "SG", "Asia/Singapore"}, {"Sydney, AU", "AU", "Australia/Sydney"},
		{"Toronto, CA", "CA", "America/Toronto"}, {"São Paulo, BR", "BR", "America/Sao_Paulo"},
	}
	demoNetworks = map[carrier.Carrier]demoNetwork{
		carrier.DHLExpress: {demoEurope, append(demoUS[:2:2], demoWorld...), []demoPlace{
			{"Leipzig Hub, DE", "DE", "Europe/Berlin"}, {"East Midlands Hub, GB", "GB", "Europe/London"}, {"Brussels Hub, BE", "BE", "Europe/Brussels"},
		}, "EUR"},
		carrier.FedEx: {demoUS, append(demoEurope[:4:4], demoWorld...), []demoPlace{
			{"Memphis, TN", "US", "America/Chicago"}, {"Indianapolis, IN", "US", "America/Indiana/Indianapolis"},
		}, "USD"},
		carrier.UPS: {demoUS, append(demoEurope[4:8:8], demoWorld...), []demoPlace{
			{"Louisville, KY", "US", "America/Kentucky/Louisville"}, {"Hodgkins, IL", "US", "America/Chicago"},
		}, "USD"},
		demoRoyalMail: {[]demoPlace{
			{"London", "GB", "Europe/London"}, {"Manchester", "GB", "Europe/London"}, {"Birmingham", "GB", "Europe/London"},
			{"Leeds", "GB", "Europe/London"}, {"Bristol", "GB", "Europe/London"}, {"Glasgow", "GB", "Europe/London"},
			{"Cardiff", "GB", "Europe/London"}, {"Belfast", "GB", "Europe/London"},
		}, append(demoEurope[:6:6], demoWorld...), []demoPlace{
			{"Daventry National Distribution Centre", "GB", "Europe/London"}, {"Warrington Mail Centre", "GB", "Europe/London"},
			{"Heathrow Worldwide Distribution Centre", "GB", "Europe/London"},
		}, "GBP"},
		// DPD's parcels cross Europe's borders as domestic ones do: no customs.
		demoDPD: {[]demoPlace{
			{"Hamburg, DE", "DE", "Europe/Berlin"}, {"München, DE", "DE", "Europe/Berlin"}, {"Köln, DE", "DE", "Europe/Berlin"},
			{"Poznań, PL", "PL", "Europe/Warsaw"}, {"Gdańsk, PL", "PL", "Europe/Warsaw"}, {"Rotterdam, NL", "NL", "Europe/Amsterdam"},
			{"Lyon, FR", "FR", "Europe/Paris"}, {"Antwerpen, BE", "BE", "Europe/Brussels"}, {"Wien, AT", "AT", "Europe/Vienna"},
		}, nil, []demoPlace{
			{"Aschaffenburg Hub, DE", "DE", "Europe/Berlin"}, {"Stryków Hub, PL", "PL", "Europe/Warsaw"},
		}, "EUR"},
		demoCanadaPost: {[]demoPlace{
			{"Toronto, ON", "CA", "America/Toronto"}, {"Ottawa, ON", "CA", "America/Toronto"}, {"Montréal, QC", "CA", "America/Toronto"},
			{"Halifax, NS", "CA", "America/Halifax"}, {"Winnipeg, MB", "CA", "America/Winnipeg"}, {"Calgary, AB", "CA", "America/Edmonton"},
			{"Vancouver, BC", "CA", "America/Vancouver"},
		}, demoUS, []demoPlace{
			{"Mississauga Gateway Processing Centre", "CA", "America/Toronto"}, {"Montréal Processing Centre", "CA", "America/Toronto"},
			{"Vancouver Processing Centre", "CA", "America/Vancouver"},
		}, "CAD"},
	}
)

// demoCity is an InPost city: its points' ids start with its code and
// their postal codes with its two digits.
type demoCity struct {
	name, code, postal string
	lat, lng           float64
}

var demoCities = []demoCity{
	{"Warszawa", "WAW", "02", 52.2297, 21.0122}, {"Kraków", "KRA", "31", 50.0647, 19.9450},
	{"Łódź", "LOD", "90", 51.7592, 19.4560}, {"Wrocław", "WRO", "50", 51.1079, 17.0385},
	{"Poznań", "POZ", "61", 52.4064, 16.9252}, {"Gdańsk", "GDA", "80", 54.3520, 18.6466},
	{"Katowice", "KAT", "40", 50.2649, 19.0238}, {"Lublin", "LUB", "20", 51.2465, 22.5684},
}

var (
	demoStreets   = []string{"ul. Długa", "ul. Mickiewicza", "ul. Kościuszki", "ul. Piłsudskiego", "ul. Słowackiego", "al. Jana Pawła II", "ul. Polna", "ul. Kwiatowa"}
	demoLocations = []string{"Przy sklepie Żabka", "Stacja paliw Orlen", "Obok wejścia do Biedronki", "Parking przy Lidlu", "Przy stacji metra", "Osiedle, przy placu zabaw"}
)

// demoStages says where each status happens: 0 in the carrier's systems
// (no agency), 1 at the origin, 2 at a hub, 3 at the destination.
var demoStages = map[string]int{
	"created": 0, "offers_prepared": 0, "offer_selected": 0, "confirmed": 0, "label_created": 0,
	"dispatched_by_sender": 1, "collected_from_sender": 1, "taken_by_courier": 1, "adopted_at_source_branch": 1,
	"sent_from_source_branch": 1, "picked_up": 1, "in_transit": 1, demoOddAccepted: 1,
	"adopted_at_sorting_center": 2, "sent_from_sorting_center": 2, "arrived_at_facility": 2, "departed_facility": 2,
	"adopted_at_target_branch": 3, "out_for_delivery": 3, "ready_to_pickup": 3, "delivered": 3,
	"customs_clearance": 3, "cleared_customs": 3, "customs_hold": 3, demoOddDepot: 3,
	"delivery_failed": 3, "attempted_delivery": 3, "avizo": 3, "undelivered_wrong_address": 3,
	"available_for_pickup": 3, "returned_to_sender": 3,
	"pickup_reminder_sent": 3, "pickup_time_expired": 3,
}

// demoGaps is how long after the previous status each status comes, at
// least and at most.
var demoGaps = map[string][2]time.Duration{
	"created": {0, 30 * time.Second}, "label_created": {0, 30 * time.Second},
	"offers_prepared": {time.Second, 20 * time.Second}, "offer_selected": {10 * time.Second, 5 * time.Minute},
	"confirmed": {5 * time.Second, 2 * time.Minute}, "dispatched_by_sender": {30 * time.Minute, 30 * time.Hour},
	"collected_from_sender": {time.Hour, 10 * time.Hour}, "taken_by_courier": {5 * time.Minute, 2 * time.Hour},
	"adopted_at_source_branch": {time.Hour, 4 * time.Hour}, "sent_from_source_branch": {time.Hour, 6 * time.Hour},
	"adopted_at_sorting_center": {2 * time.Hour, 8 * time.Hour}, "sent_from_sorting_center": {time.Hour, 6 * time.Hour},
	"adopted_at_target_branch": {2 * time.Hour, 8 * time.Hour}, "ready_to_pickup": {time.Hour, 6 * time.Hour},
	"picked_up": {2 * time.Hour, 30 * time.Hour}, "in_transit": {30 * time.Minute, 4 * time.Hour},
	"customs_clearance": {6 * time.Hour, 30 * time.Hour}, "cleared_customs": {2 * time.Hour, 36 * time.Hour},
	"arrived_at_facility": {3 * time.Hour, 20 * time.Hour}, "departed_facility": {time.Hour, 6 * time.Hour},
	"out_for_delivery": {time.Hour, 16 * time.Hour}, "delivered": {10 * time.Minute, 8 * time.Hour},
	// Trouble, and the odd scans.
	"customs_hold":    {4 * time.Hour, 30 * time.Hour},
	"delivery_failed": {30 * time.Minute, 8 * time.Hour}, "attempted_delivery": {30 * time.Minute, 8 * time.Hour},
	"avizo": {30 * time.Minute, 8 * time.Hour}, "undelivered_wrong_address": {30 * time.Minute, 8 * time.Hour},
	"available_for_pickup": {2 * time.Hour, 20 * time.Hour}, "returned_to_sender": {20 * time.Hour, 72 * time.Hour},
	// A locker keeps a parcel 48 hours and reminds the recipient half way.
	"pickup_reminder_sent": {23 * time.Hour, 25 * time.Hour}, "pickup_time_expired": {23 * time.Hour, 25 * time.Hour},
	demoOddAccepted: {10 * time.Minute, 3 * time.Hour}, demoOddDepot: {time.Hour, 6 * time.Hour},
}

// demoGapsAfter are the gaps that depend on the status before.
var demoGapsAfter = map[[2]string][2]time.Duration{
	{"ready_to_pickup", "delivered"}:              {20 * time.Minute, 48 * time.Hour}, // collected from the locker
	{"available_for_pickup", "delivered"}:         {2 * time.Hour, 72 * time.Hour},    // collected from the post office
	{"customs_hold", "cleared_customs"}:           {20 * time.Hour, 96 * time.Hour},   // duties paid, papers sent
	{"pickup_time_expired", "returned_to_sender"}: {6 * time.Hour, 30 * time.Hour},
	// Redelivered the next working day.
	{"delivery_failed", "out_for_delivery"}:    {14 * time.Hour, 26 * time.Hour},
	{"attempted_delivery", "out_for_delivery"}: {14 * time.Hour, 26 * time.Hour},
	{"avizo", "out_for_delivery"}:              {14 * time.Hour, 26 * time.Hour},
}

// demoOriginStatus is each carrier's own code for a status. InPost's are
// three-letter codes in the style of the PPN and NWP of ShipX-compatible
// tracking; the others are the carriers' usual scan codes. A status
// with no code here is sent without one, and its text tells what it is:
// the demo does not model the codes of Royal Mail, DPD and Canada Post,
// and UPS reports trouble as type X, a bare "exception" to its table.
var demoOriginStatus = map[carrier.Carrier]map[string]string{
	carrier.InPost: {
		"created": "UTW", "offers_prepared": "OFP", "offer_selected": "OFW", "confirmed": "PPN", "dispatched_by_sender": "NWP",
		"collected_from_sender": "ODB", "taken_by_courier": "PKR", "adopted_at_source_branch": "PNO", "sent_from_source_branch": "WNO",
		"adopted_at_sorting_center": "PSO", "sent_from_sorting_center": "WSO", "adopted_at_target_branch": "PDO",
		"out_for_delivery": "WDR", "ready_to_pickup": "DPM", "delivered": "DOR",
		"avizo": "AWI", "undelivered_wrong_address": "NAD", "pickup_reminder_sent": "PRZ", "pickup_time_expired": "UCO",
		"returned_to_sender": "ZWN",
	},
	carrier.DHLExpress: {
		"label_created": "SA", "picked_up": "PU", "in_transit": "PL", "customs_clearance": "RR", "cleared_customs": "CR",
		"arrived_at_facility": "AF", "departed_facility": "DF", "out_for_delivery": "WC", "delivered": "OK",
		"customs_hold": "CD", "delivery_failed": "NH", "returned_to_sender": "RT",
	},
	carrier.FedEx: {
		"label_created": "OC", "picked_up": "PU", "in_transit": "IT", "customs_clearance": "CP", "cleared_customs": "CC",
		"arrived_at_facility": "AR", "departed_facility": "DP", "out_for_delivery": "OD", "delivered": "DL",
		"customs_hold": "CD", "delivery_failed": "DE", "returned_to_sender": "RS",
	},
	carrier.UPS: {
		"label_created": "M", "picked_up": "P", "in_transit": "I", "customs_clearance": "I", "cleared_customs": "I",
		"arrived_at_facility": "I", "departed_facility": "I", "out_for_delivery": "O", "delivered": "D",
	},
}

// demoAttempt is the status of a failed delivery attempt, per carrier:
// the recipient was out. The posts leave a card and keep the parcel at
// the post office (demoPostOffice).
var demoAttempt = map[carrier.Carrier]string{
	carrier.InPost: "avizo", carrier.DHLExpress: "delivery_failed", carrier.FedEx: "delivery_failed",
	carrier.UPS: "delivery_failed", demoDPD: "delivery_failed",
	demoRoyalMail: "attempted_delivery", demoCanadaPost: "attempted_delivery",
}

var demoPostOffice = map[carrier.Carrier]bool{demoRoyalMail: true, demoCanadaPost: true}

// The odd scans: texts carriers send that no mapping table knows yet. A
// few parcels of these carriers get one, after the status named, so that
// GET /v1/messages/unmapped-statuses has something to show; the parcel
// has moved by then, so they read as InTransit_Unknown, not as a fault.
const (
	demoOddAccepted = "We've got it"
	demoOddDepot    = "At delivery depot"
)

var demoOddScans = map[carrier.Carrier][2]string{
	demoRoyalMail: {"picked_up", demoOddAccepted},
	demoDPD:       {"departed_facility", demoOddDepot},
}

// The kinds of trouble a parcel can run into (demoParcel.Trouble).
const (
	troubleAttempt = "attempt" // a failed delivery attempt, perhaps delivered later
	troubleReturn  = "return"  // undeliverable, going back to the sender
	troubleCustoms = "customs" // held at customs, perhaps released
	troubleExpired = "expired" // not collected from the locker in time
)

// demoRoyalMailPrefixes are the first two letters of Royal Mail's S10
// numbers by shipment type.
var demoRoyalMailPrefixes = map[string][]string{
	"parcel_ground": {"TT", "JT"}, "parcel_express": {"TT", "ZV"}, "parcel_international": {"LX", "CP", "RR"},
}

// demoUPSService is the service code inside a UPS number.
var demoUPSService = map[string][]string{
	"parcel_ground": {"03", "12"}, "parcel_express": {"01", "02"}, "parcel_international": {"07", "08", "65"},
}

const demoDatetime = "2006-01-02T15:04:05.000Z07:00"

type demoGen struct {
	r     *rand.Rand
	now   time.Time
	zones map[string]*time.Location
	seen  map[string]bool
	ups   []string // UPS shipper accounts
}

// generateDemo generates n parcels created over the 8 days before now.
func generateDemo(seed uint64, n int, now time.Time) []demoParcel {
	g := &demoGen{r: rand.New(rand.NewPCG(seed, 0x70a2ce1)), now: now, zones: map[string]*time.Location{}, seen: map[string]bool{}}
	for range 12 {
		g.ups = append(g.ups, g.chars(6, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
	}
	parcels := make([]demoParcel, n)
	for i := range parcels {
		k := g.r.IntN(100)
		for _, p := range demoProducts {
			if k -= p.share; k < 0 {
				parcels[i] = g.parcel(p)
				break
			}
		}
	}
	return parcels
}

func (g *demoGen) chars(n int, set string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.IntN(len(set))]
	}
	return string(b)
}

func pick[T any](g *demoGen, s []T) T { return s[g.r.IntN(len(s))] }

// between is a random duration from min to max, in whole seconds.
func (g *demoGen) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return (lo + time.Duration(g.r.Int64N(int64(hi-lo)))).Truncate(time.Second)
}

func (g *demoGen) format(t time.Time, zone string) string {
	loc, ok := g.zones[zone]
	if !ok {
		var err error
		if loc, err = time.LoadLocation(zone); err != nil {
			loc = time.UTC
		}
		g.zones[zone] = loc
	}
	return t.In(loc).Format(demoDatetime)
}

// number draws candidates of c's shape until carrier.Detect gives one to
// c: the check digits stay the carrier package's business.
func (g *demoGen) number(c carrier.Carrier, typ string) string {
	const digits, letters = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for {
		var n string
		switch c {
		case carrier.InPost:
			n = "6" + g.chars(23, digits)
		case carrier.DHLExpress:
			n = g.chars(10, digits)
		case carrier.FedEx:
			n = g.chars(12, digits)
		case carrier.UPS:
			n = "1Z" + pick(g, g.ups) + pick(g, demoUPSService[typ]) + g.chars(8, digits)
		case demoDPD:
			n = g.chars(14, digits) + g.chars(1, digits+letters)
		case demoCanadaPost:
			if typ == "parcel_international" {
				n = pick(g, []string{"CP", "LM"}) + g.chars(9, digits) + "CA" // UPU S10
			} else {
				n = g.chars(16, digits)
			}
		case demoRoyalMail:
			n = pick(g, demoRoyalMailPrefixes[typ]) + g.chars(9, digits) + "GB" // UPU S10
		default:
			panic("demo: no number format for " + c)
		}
		if got, ok := carrier.Detect(n); ok && got == c && !g.seen[n] {
			g.seen[n] = true
			return n
		}
	}
}

// demoRoute is where a parcel goes.
type demoRoute struct {
	origin, hub, dest demoPlace
	system            string   // time zone of the events with no place
	city              demoCity // InPost: the destination, for the pickup point
}

func (g *demoGen) route(p demoProduct) demoRoute {
	if p.carrier == carrier.InPost {
		place := func(c demoCity) demoPlace { return demoPlace{c.name, "PL", "Europe/Warsaw"} }
		city := pick(g, demoCities)
		return demoRoute{place(pick(g, demoCities)), place(pick(g, demoCities)), place(city), "Europe/Warsaw", city}
	}
	net := demoNetworks[p.carrier]
	r := demoRoute{origin: pick(g, net.home), hub: pick(g, net.hubs), dest: pick(g, net.home), system: "UTC"}
	if p.typ == "parcel_international" {
		if g.r.IntN(2) == 0 {
			r.dest = pick(g, net.abroad)
		} else {
			r.origin = pick(g, net.abroad)
		}
	}
	return r
}

// at is the agency and time zone of an event.
func (r demoRoute) at(status, typ string) (*string, string) {
	stage := demoStages[status]
	if typ == "parcel_international" {
		// Through the hub first, then customs, then the destination.
		switch status {
		case "in_transit":
			stage = 2
		case "arrived_at_facility":
			stage = 3
		}
	}
	var p demoPlace
	switch stage {
	case 1:
		p = r.origin
	case 2:
		p = r.hub
	case 3:
		p = r.dest
	default:
		return nil, r.system
	}
	return &p.agency, p.zone
}

func (g *demoGen) parcel(p demoProduct) demoParcel {
	number := g.number(p.carrier, p.typ)
	route := g.route(p)
	flow, _ := tracking.Flow(p.typ)
	service := p.services[0]
	if g.r.IntN(5) == 0 {
		service = pick(g, p.services)
	}
	created := g.now.Add(-g.between(10*time.Minute, 8*24*time.Hour))
	story, trouble := flow, ""
	if g.r.IntN(20) == 0 {
		story = flow[:1+g.r.IntN(len(flow)-1)] // stalled: the sender never sent it, say
	} else {
		story, trouble = g.story(p, flow)
	}
	if odd, ok := demoOddScans[p.carrier]; ok && g.r.IntN(15) == 0 {
		if i := slices.Index(story, odd[0]); i >= 0 {
			story = slices.Insert(story, i+1, odd[1])
		}
	}
	var events []demoEvent
	var times []time.Time
	var now tag.Status
	moving := false
	t := created
	for i, status := range story {
		gap := demoGaps[status]
		if i > 0 {
			if after, ok := demoGapsAfter[[2]string{story[i-1], status}]; ok {
				gap = after
			}
		}
		if t = t.Add(g.between(gap[0], gap[1])); t.After(g.now) {
			break
		}
		agency, zone := route.at(status, p.typ)
		ev := demoEvent{TrackingNumber: number, Status: status,
			OriginStatus: demoOriginStatus[p.carrier][status], Agency: agency, Datetime: g.format(t, zone)}
		events = append(events, ev)
		times = append(times, t)
		// As the server will: the tag of an unmapped status depends on
		// whether the parcel moved before.
		now, _ = tag.Classify(string(p.carrier), ev.Status, ev.OriginStatus, moving)
		moving = moving || now.Tag.Moving()
	}
	out := demoParcel{Number: number, Carrier: p.carrier, Type: p.typ, Status: events[len(events)-1].Status, Subtag: now.Subtag,
		Trouble: trouble, Service: service, Events: len(events)}
	out.Messages = append(out.Messages, demoMessage{MessageType: message.TypeShipment, ExternalReference: "sh-" + number,
		Payload: demoShipment{TrackingNumber: number, Type: p.typ, Service: service,
			CustomAttributes: g.attributes(p, route), CreatedAt: g.format(created, route.origin.zone)}})
	changeAt := 0 // before which event a service change comes, if any
	if len(events) >= 2 && len(p.services) > 1 && g.r.IntN(20) == 0 {
		changeAt = 1 + g.r.IntN(min(3, len(events)-1)) // early on, as upgrades are
		for out.Service == service {
			out.Service = pick(g, p.services)
		}
		out.Changed = true
	}
	for i, ev := range events {
		if i > 0 && i == changeAt {
			at := times[i-1].Add(g.between(time.Second, times[i].Sub(times[i-1])))
			out.Messages = append(out.Messages, demoMessage{MessageType: message.TypeServiceChange, ExternalReference: "sc-" + number,
				Payload: demoServiceChange{TrackingNumber: number, Service: out.Service, Datetime: g.format(at, route.system)}})
		}
		out.Messages = append(out.Messages, demoMessage{MessageType: message.TypeTrackingEvent,
			ExternalReference: fmt.Sprintf("ev-%s-%02d", number, i+1), Payload: ev})
	}
	out.Messages = g.quirks(out.Messages)
	return out
}

// story is the statuses a parcel goes through: its type's flow, with
// trouble of the kind real parcels run into spliced in for a few, and
// that kind. How far a parcel gets is up to the clock: trouble late in
// the story may not have happened yet.
func (g *demoGen) story(p demoProduct, flow []string) ([]string, string) {
	upTo := func(status string, then ...string) []string {
		return slices.Concat(flow[:slices.Index(flow, status)+1], then)
	}
	locker := p.typ == "inpost_locker_standard"
	k := g.r.IntN(1000)
	switch {
	case p.typ == "parcel_international" && k < demoCustomsShare:
		if g.r.IntN(3) == 0 {
			return upTo("customs_clearance", "customs_hold"), troubleCustoms // duties unpaid: still held
		}
		i := slices.Index(flow, "customs_clearance")
		return slices.Concat(flow[:i+1], []string{"customs_hold"}, flow[i+1:]), troubleCustoms
	case locker && k < demoExpiredShare:
		s := upTo("ready_to_pickup", "pickup_reminder_sent", "pickup_time_expired")
		if g.r.IntN(2) == 0 {
			s = append(s, "returned_to_sender")
		}
		return s, troubleExpired
	case locker:
		return flow, ""
	case k < demoAttemptShare:
		s := upTo("out_for_delivery", demoAttempt[p.carrier])
		switch x := g.r.IntN(10); {
		case x < 2:
			return s, troubleAttempt // no one has arranged another delivery yet
		case demoPostOffice[p.carrier] && x < 6:
			return append(s, "available_for_pickup", "delivered"), troubleAttempt
		default:
			return append(s, "out_for_delivery", "delivered"), troubleAttempt
		}
	case k < demoAttemptShare+demoReturnShare:
		if p.carrier == carrier.InPost {
			return upTo("out_for_delivery", "undelivered_wrong_address", "returned_to_sender"), troubleReturn
		}
		return upTo("out_for_delivery", demoAttempt[p.carrier], "returned_to_sender"), troubleReturn
	}
	return flow, ""
}

// How many parcels in 1000 of those that can have it get each kind of
// trouble: customs of international parcels, expiry of locker parcels,
// failed attempts and returns of the others (lockers have no attempts).
// More than the shares shown, as the clock stops some parcels before
// their trouble.
const (
	demoCustomsShare = 50
	demoExpiredShare = 40
	demoAttemptShare = 95
	demoReturnShare  = 60
)

// quirks makes a few parcels' feeds imperfect: an event sent after the
// next one, or an event sent twice.
func (g *demoGen) quirks(msgs []demoMessage) []demoMessage {
	var events, pairs []int
	for i, m := range msgs {
		if m.MessageType != message.TypeTrackingEvent {
			continue
		}
		events = append(events, i)
		if i+1 < len(msgs) && msgs[i+1].MessageType == message.TypeTrackingEvent {
			pairs = append(pairs, i)
		}
	}
	if len(pairs) > 0 && g.r.IntN(25) == 0 {
		i := pick(g, pairs)
		msgs[i], msgs[i+1] = msgs[i+1], msgs[i]
		msgs[i+1].quirk = "late"
	}
	if g.r.IntN(25) == 0 {
		dup := msgs[pick(g, events)]
		dup.quirk = "duplicate"
		msgs = append(msgs, dup)
	}
	return msgs
}

// attributes are a shipment's custom attributes. Nothing about the
// recipient: the tracking resource is public.
func (g *demoGen) attributes(p demoProduct, r demoRoute) map[string]any {
	switch p.typ {
	case "inpost_locker_standard":
		return g.lockerAttributes(r.city)
	case "inpost_courier_standard":
		return map[string]any{
			"sending_method": pick(g, []string{"dispatch_order", "parcel_locker", "pop"}),
			"weight_kg":      g.weight(30),
			"dimensions_cm":  map[string]any{"length": 20 + g.r.IntN(60), "width": 15 + g.r.IntN(40), "height": 5 + g.r.IntN(40)},
		}
	}
	attrs := map[string]any{
		"weight_kg":           g.weight(30),
		"pieces":              1 + g.r.IntN(3)/2,
		"origin_country":      r.origin.country,
		"destination_country": r.dest.country,
	}
	if p.typ == "parcel_international" {
		attrs["customs_value"] = map[string]any{"amount": float64(500+g.r.IntN(50000)) / 100, "currency": demoNetworks[p.carrier].currency}
	}
	return attrs
}

// lockerAttributes follow the ShipX-compatible tracking example: a size
// and the target point, whose address is public.
func (g *demoGen) lockerAttributes(c demoCity) map[string]any {
	id := fmt.Sprintf("%s%03d%c", c.code, 1+g.r.IntN(299), "AMNP"[g.r.IntN(4)])
	kind, hours, method := "parcel_locker", "24/7", "parcel_locker"
	if g.r.IntN(7) == 0 {
		kind, hours = "pop", "PN-SB 08:00-20:00"
	}
	if g.r.IntN(4) == 0 {
		method = pick(g, []string{"dispatch_order", "pop"})
	}
	round := func(x float64) float64 { return math.Round(x*1e5) / 1e5 }
	return map[string]any{
		"size":            pick(g, []string{"A", "A", "A", "B", "B", "C"}),
		"sending_method":  method,
		"target_point_id": id,
		"target_machine_detail": map[string]any{
			"href":                 "https://api-pl-points.easypack24.net/v1/points/" + id,
			"name":                 id,
			"opening_hours":        hours,
			"location_description": pick(g, demoLocations),
			"location":             map[string]any{"latitude": round(c.lat + (g.r.Float64()-0.5)/10), "longitude": round(c.lng + (g.r.Float64()-0.5)/10)},
			"address": map[string]any{
				"line1": fmt.Sprintf("%s %d", pick(g, demoStreets), 1+g.r.IntN(120)),
				"line2": fmt.Sprintf("%s-%03d %s", c.postal, g.r.IntN(1000), c.name),
			},
			"type": []any{kind},
		},
	}
}

// weight is a parcel weight in kg, one decimal, mostly light.
func (g *demoGen) weight(most float64) float64 {
	return math.Round((0.2+most*math.Pow(g.r.Float64(), 3))*10) / 10
}
