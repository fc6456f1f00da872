package report

import (
	"bytes"
	"image/color"
	"image/png"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// BarChartHeight is the height in pixels of a one-panel chart (BarChart),
// as wide as the email's chart (ChartWidth), shown 600 px wide.
const BarChartHeight = 300 * chartScale

// Bars is one bar chart: a report's figure per row (the web console shows
// every report with one). Labels are the values written above the bars
// ("" for each: the values, grouped by thousands).
type Bars struct {
	Title  string
	YLabel string
	Names  []string
	Values []float64
	Labels []string
	Whole  bool // counts: whole ticks only
}

// BarChart draws b as a PNG of ChartWidth × BarChartHeight pixels, in the
// style and font of the report email's chart (Chinese labels render).
func BarChart(b Bars) ([]byte, error) {
	if err := loadFont(); err != nil {
		return nil, err
	}
	pn := Panel{Title: b.Title, YLabel: b.YLabel, Names: b.Names, color: color.RGBA{0x2b, 0x6c, 0xb0, 0xff}}
	top := 0.0
	for i, v := range b.Values {
		pn.Values = append(pn.Values, max(v, 0)) // the axis starts at 0
		l := ""
		if i < len(b.Labels) {
			l = b.Labels[i]
		} else if b.Whole {
			l = Group(strconv.FormatFloat(v, 'f', 0, 64))
		} else {
			l = Group(strconv.FormatFloat(v, 'f', 1, 64))
		}
		pn.Labels = append(pn.Labels, l)
		top = max(top, v)
	}
	pn.tickAt = Ticks(top, b.Whole)
	step := 1.0
	if len(pn.tickAt) > 1 {
		step = pn.tickAt[1]
	}
	for _, v := range pn.tickAt {
		pn.Ticks = append(pn.Ticks, tickLabel(v, step))
	}
	p, err := bars(pn)
	if err != nil {
		return nil, err
	}
	const dpi = 96 * chartScale
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(ChartWidth)*vg.Inch/dpi, vg.Length(BarChartHeight)*vg.Inch/dpi), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(4), PadLeft: vg.Points(8), PadRight: vg.Points(8)}
	canvases := plot.Align([][]*plot.Plot{{p}}, tiles, dc)
	p.Draw(canvases[0][0])
	// the fastest compression: half the time of the default, for a file
	// a little larger (the console draws a chart per page view)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img.Image()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
