package cost

import "fmt"

// Dollars is what one unit of an operation costs, by service.
type Dollars struct {
	DynamoDB, Lambda, SQS, APIGateway, Logs, WAF, XRay float64
}

// Total is the sum over services.
func (d Dollars) Total() float64 {
	return d.DynamoDB + d.Lambda + d.SQS + d.APIGateway + d.Logs + d.WAF + d.XRay
}

func (d Dollars) plus(o Dollars, k float64) Dollars {
	return Dollars{d.DynamoDB + k*o.DynamoDB, d.Lambda + k*o.Lambda, d.SQS + k*o.SQS, d.APIGateway + k*o.APIGateway,
		d.Logs + k*o.Logs, d.WAF + k*o.WAF, d.XRay + k*o.XRay}
}

// GBSeconds is the Lambda duration one unit is billed, from the measured
// CPU time and a round trip per AWS request (see AWSRoundTripMillis), at
// the memory of the function that does most of the work.
func (o Operation) GBSeconds() float64 {
	millis := o.CPUMillis + AWSRoundTripMillis*(Sum(o.DynamoDB)+Sum(o.SQS))
	mb := memoryMB("api")
	if o.Invocations["processor"] > 0 {
		mb = memoryMB("processor")
	}
	return millis / 1000 * mb / 1024
}

// Cost prices one unit of an operation.
func Cost(o Operation) Dollars {
	invocations := o.Lambda()
	sqs := Sum(o.SQS) + ESMRequestsPerBatch*Sum(o.Invocations)
	logBytes := o.LogBytes + PlatformLogBytes*invocations + AccessLogBytes*o.APIRequests
	return Dollars{
		DynamoDB:   o.BilledWCU()*DynamoDBWrite.Each() + Sum(o.RCU)*DynamoDBRead.Each(),
		Lambda:     invocations*LambdaRequests.Each() + o.GBSeconds()*LambdaARM.Each(),
		SQS:        sqs * SQSRequests.Each(),
		APIGateway: o.APIRequests * APIGatewayREST.Each(),
		Logs:       logBytes * LogsIngestion.Each(),
		WAF:        o.APIRequests * WAFRequests.Each(),
		XRay:       XRaySampled * invocations * XRayTraces.Each(),
	}
}

// Parcel is the typical tracked parcel the monthly figures are for.
type Parcel struct {
	Projects      int // projects subscribing it, each by one job ADD
	Events        int // events, each a status change
	TrackingReads int
	Webhooks      bool // one webhook delivery per status change
}

// Typical is the parcel of issue 25: one job ADD for each of 2
// subscribing projects, 8 events each moving its status, 20 tracking
// reads, a webhook per status change.
var Typical = Parcel{Projects: 2, Events: 8, TrackingReads: 20, Webhooks: true}

// Line is one operation's share of a parcel.
type Line struct {
	Name    string
	Count   float64
	Dollars Dollars
}

// Of prices a parcel from the measured operations. An event of a parcel
// followed by 2 projects is the mean of the measured 1 and 3; its webhook
// delivery is what the delivered change measured beyond the undelivered.
func (p Parcel) Of(ops []Operation) ([]Line, Dollars, error) {
	byName := map[string]Operation{}
	for _, o := range ops {
		byName[o.Name] = o
	}
	get := func(name string) (Dollars, error) {
		o, ok := byName[name]
		if !ok {
			return Dollars{}, fmt.Errorf("cost: no measurement of %q", name)
		}
		return Cost(o), nil
	}
	names := []string{"job number ADD", "event, parcel followed by 1 project", "event, parcel followed by 3 projects", "status change delivered by webhook", "tracking GET"}
	d := map[string]Dollars{}
	for _, n := range names {
		v, err := get(n)
		if err != nil {
			return nil, Dollars{}, err
		}
		d[n] = v
	}
	followed := d["event, parcel followed by 1 project"]
	per := float64(p.Projects-1) / 2 // from 1 project towards 3
	event := followed.plus(d["event, parcel followed by 3 projects"].plus(followed, -1), per)
	lines := []Line{
		{"job number ADD", float64(p.Projects), d["job number ADD"]},
		{fmt.Sprintf("event, parcel followed by %d projects", p.Projects), float64(p.Events), event},
	}
	if p.Webhooks {
		lines = append(lines, Line{"webhook delivery of a status change", float64(p.Events), d["status change delivered by webhook"].plus(followed, -1)})
	}
	lines = append(lines, Line{"tracking GET", float64(p.TrackingReads), d["tracking GET"]})
	var total Dollars
	for _, l := range lines {
		total = total.plus(l.Dollars, l.Count)
	}
	return lines, total, nil
}
