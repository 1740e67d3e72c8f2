package eddsim

import (
	"errors"
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/parcelgate/parcelgate/internal/edd"
)

// chartBin is the width, in days, of the predicted transit the chart
// groups parcels by; a bin with fewer than chartMinPoints parcels is left
// out, as its percentiles would be noise.
const (
	chartBin       = 0.5
	chartMinPoints = 20
)

// binned is what the parcels of one bin of predicted transit took.
type binned struct {
	predicted, hi float64 // the bin's middle and upper end
	p10, p50, p90 float64
}

// bins groups the points by the likely transit pick(p) predicts, in days
// from when the estimate was made, and takes each bin's percentiles of
// the actual transit.
func bins(points []Point, pick func(Point) edd.Estimate) []binned {
	actual := map[int][]float64{}
	for _, p := range points {
		likely := pick(p).Likely.Sub(p.Made).Hours() / 24
		k := int(math.Floor(likely / chartBin))
		actual[k] = append(actual[k], p.Delivered.Sub(p.Made).Hours()/24)
	}
	var out []binned
	for _, k := range slices.Sorted(maps.Keys(actual)) {
		a := actual[k]
		if len(a) < chartMinPoints {
			continue
		}
		slices.Sort(a)
		q := func(f float64) float64 { return a[int(f*float64(len(a)-1))] }
		out = append(out, binned{predicted: (float64(k) + 0.5) * chartBin, hi: float64(k+1) * chartBin, p10: q(0.1), p50: q(0.5), p90: q(0.9)})
	}
	return out
}

// Chart draws predicted against actual transit into an SVG (or PNG, by
// path's extension) file: for each half day of likely transit the
// estimates predicted at pick-up, the median of what the parcels actually
// took and the p10–p90 band of it, for the learned estimates and for the
// standard table's; the diagonal is a perfect estimate.
func (r Run) Chart(path string) error {
	learned := bins(r.Points, func(p Point) edd.Estimate { return p.Learned })
	standard := bins(r.Points, func(p Point) edd.Estimate { return p.Standard })
	if len(learned) == 0 || len(standard) == 0 {
		return errors.New("too few scored deliveries to draw the chart")
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Predicted vs actual transit (%d deliveries, estimated at pick-up)", r.Delivered)
	p.X.Label.Text = "predicted (likely), days after pick-up"
	p.Y.Label.Text = "actual, days after pick-up"
	top := 0.0
	for _, b := range append(slices.Clone(learned), standard...) {
		top = max(top, b.hi, b.p90)
	}
	top = math.Ceil(top)
	p.X.Min, p.Y.Min, p.X.Max, p.Y.Max = 0, 0, top, top
	p.Add(plotter.NewGrid())

	perfect, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: top, Y: top}})
	if err != nil {
		return err
	}
	perfect.Color, perfect.Dashes = color.Gray{Y: 120}, []vg.Length{vg.Points(4), vg.Points(4)}
	p.Add(perfect)
	p.Legend.Add("perfect", perfect)

	// The learned estimates' band is filled, the table's drawn in dashes,
	// so that where they overlap both stay readable.
	blue, orange := color.NRGBA{R: 31, G: 119, B: 180, A: 255}, color.NRGBA{R: 230, G: 120, B: 20, A: 255}
	for i, s := range []struct {
		name  string
		bins  []binned
		color color.NRGBA
	}{{"learned", learned, blue}, {"standard table", standard, orange}} {
		var p10, p50, p90 plotter.XYs
		for _, b := range s.bins {
			p10 = append(p10, plotter.XY{X: b.predicted, Y: b.p10})
			p50 = append(p50, plotter.XY{X: b.predicted, Y: b.p50})
			p90 = append(p90, plotter.XY{X: b.predicted, Y: b.p90})
		}
		line, points, err := plotter.NewLinePoints(p50)
		if err != nil {
			return err
		}
		line.Color, line.Width = s.color, vg.Points(2)
		points.Color, points.Shape = s.color, draw.CircleGlyph{}
		band := "p10–p90 actual"
		if i == 0 {
			fill := s.color
			fill.A = 60
			poly, err := plotter.NewPolygon(append(p90, reversed(p10)...))
			if err != nil {
				return err
			}
			poly.Color, poly.LineStyle.Width = fill, 0
			p.Add(poly)
			p.Legend.Add(s.name+": "+band, poly)
		} else {
			var edges []*plotter.Line
			for _, xy := range []plotter.XYs{p10, p90} {
				l, err := plotter.NewLine(xy)
				if err != nil {
					return err
				}
				l.Color, l.Dashes = s.color, []vg.Length{vg.Points(6), vg.Points(3)}
				p.Add(l)
				edges = append(edges, l)
			}
			p.Legend.Add(s.name+": "+band, edges[0])
		}
		p.Add(line, points)
		p.Legend.Add(s.name+": median actual", line, points)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(10)
	if err := p.Save(7*vg.Inch, 6*vg.Inch, path); err != nil {
		return fmt.Errorf("drawing %s: %w", path, err)
	}
	return nil
}

func reversed(xy plotter.XYs) plotter.XYs {
	out := slices.Clone(xy)
	slices.Reverse(out)
	return out
}
