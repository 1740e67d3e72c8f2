package cost

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestEveryMeasuredOperationHasAFloorNamingEachUnit(t *testing.T) {
	ops, err := Measured()
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) == 0 {
		t.Fatal("measured.json holds no operation")
	}
	for _, o := range ops {
		f, ok := Floors[o.Name]
		if !ok {
			t.Errorf("%s has no floor", o.Name)
			continue
		}
		if float64(len(f.Needs)) != f.Units {
			t.Errorf("%s: floor of %g units names %d", o.Name, f.Units, len(f.Needs))
		}
		if f.Ratio(o) > Target && f.Above == "" {
			t.Errorf("%s is %.2f × its floor and says nothing of what would bring it down", o.Name, f.Ratio(o))
		}
		if f.Ratio(o) < 1 {
			t.Errorf("%s measured below its floor (%.2f): the floor is wrong", o.Name, f.Ratio(o))
		}
	}
}

func TestTransactionalWritesAreBilledTwice(t *testing.T) {
	o := Operation{WCU: map[string]float64{"table": 3, "GSI1": 1}, TransactWCU: 2}
	if got := o.BilledWCU(); got != 6 {
		t.Fatalf("billed %g, want 6", got)
	}
	d := Cost(o)
	if math.Abs(d.DynamoDB-6*0.625/1e6) > 1e-15 {
		t.Fatalf("DynamoDB $%g", d.DynamoDB)
	}
}

func TestParcelIsTheSumOfItsOperations(t *testing.T) {
	op := func(name string, wcu float64) Operation {
		return Operation{Name: name, WCU: map[string]float64{"table": wcu}}
	}
	ops := []Operation{op("job number ADD", 4), op("event, parcel followed by 1 project", 6), op("event, parcel followed by 3 projects", 10),
		op("status change delivered by webhook", 7), op("tracking GET", 0)}
	_, total, err := Parcel{Projects: 2, Events: 8, TrackingReads: 20, Webhooks: true}.Of(ops)
	if err != nil {
		t.Fatal(err)
	}
	// 2 ADDs of 4, 8 events of 8 (between 6 and 10), 8 deliveries of 1.
	want := (2*4 + 8*8 + 8*1) * 0.625 / 1e6
	if math.Abs(total.DynamoDB-want) > 1e-15 || total.Total() != total.DynamoDB {
		t.Fatalf("parcel %+v, want DynamoDB $%g only", total, want)
	}
	if _, _, err := Typical.Of(ops[:2]); err == nil {
		t.Fatal("a parcel priced without a measurement of its operations")
	}
}

func TestReportShowsEveryOperationTheParcelAndTheAnchors(t *testing.T) {
	ops, err := Measured()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Report(&b, ops, Typical); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, o := range ops {
		if !strings.Contains(out, o.Name) {
			t.Errorf("report lacks %s", o.Name)
		}
	}
	for _, a := range Aggregators {
		if !strings.Contains(out, a.Name) {
			t.Errorf("report lacks %s", a.Name)
		}
	}
	for _, want := range []string{"per 1,000 parcels", "per million events", "target ≤ 1 %", PricesDate} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestCheapestIsVerified(t *testing.T) {
	c := Cheapest()
	if !c.Verified || c.PerShipment <= 0 {
		t.Fatalf("cheapest %+v", c)
	}
	for _, a := range Aggregators {
		if a.Verified && a.PerShipment < c.PerShipment {
			t.Fatalf("%s is cheaper than %s", a.Name, c.Name)
		}
		if !strings.HasPrefix(a.Source, "https://") {
			t.Errorf("%s has no source", a.Name)
		}
	}
	for _, p := range Prices {
		if !strings.HasPrefix(p.Source, "https://aws.amazon.com/") || p.Each() <= 0 {
			t.Errorf("price %+v", p)
		}
	}
}
