package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"image/color"
	"strconv"
	"sync"

	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/fieldcrm/fieldcrm/crm"
)

// wqyMicroHei is WenQuanYi Micro Hei (Apache-2.0, see
// fonts/COPYING-wqy-microhei.txt; Debian's fonts-wqy-microhei): Latin and
// CJK glyphs in one TrueType face, so Chinese labels render. Debian ships it
// as a .ttc whose tables are not 4-byte aligned, which
// golang.org/x/image/font/sfnt refuses; fonts/README.md says how the first
// face was copied out into a .ttf with aligned tables (bytes unchanged).
//
//go:embed fonts/wqy-microhei.ttf
var wqyMicroHei []byte

// chartFont is the typeface the charts use.
var chartFont = font.Font{Typeface: "WenQuanYi Micro Hei"}

var (
	fontOnce sync.Once
	fontErr  error
)

func loadFont() error {
	fontOnce.Do(func() {
		f, err := opentype.Parse(wqyMicroHei)
		if err != nil {
			fontErr = fmt.Errorf("report: chart font: %w", err)
			return
		}
		font.DefaultCache.Add(font.Collection{{Font: chartFont, Face: f}})
	})
	return fontErr
}

// ChartData is what the report email's chart shows.
type ChartData struct {
	Locale   string // "zh": Chinese labels
	Funnel   *FunnelReport
	Activity *ActivityReport
	Forecast *ForecastReport
	// Unit is the report's money unit (the email's tables use it too);
	// zero: chosen from the forecast's largest amount.
	Unit MoneyUnit
}

var chartLabels = map[string]map[string]string{
	"en": {"funnel": "Funnel: opportunities per stage", "activity": "Activities done per salesman",
		"forecast": "Forecast by month of close: amount in %s", "count": "opportunities", "done": "activities"},
	"zh": {"funnel": "销售漏斗：各阶段商机数", "activity": "销售员完成的活动", "forecast": "按预计成交月份预测：金额（%s）",
		"count": "商机数", "done": "活动数"},
}

// stage words as the templates' stage function writes them
var (
	stageEn = [...]string{"", "ident", "qual", "dev", "proposal", "won", "lost", "no deal"}
	stageZh = [...]string{"", "识别", "确认", "开发", "报价", "赢单", "丢单", "无交易"}
)

func stageLabel(st crm.Stage, zh bool) string {
	switch {
	case st < 1 || st > 7:
		return st.String()
	case zh:
		return stageZh[st]
	}
	return stageEn[st]
}

// The chart is laid out for the email's 600 px wide image (ChartDisplayWidth)
// and drawn at twice that resolution, so that it stays sharp on a phone.
// Font sizes are in points at 96 px per inch of the 600 px layout: 9 pt is
// 12 px as the reader sees it.
const (
	ChartDisplayWidth = 600
	chartScale        = 2
	ChartWidth        = ChartDisplayWidth * chartScale // pixels of the PNG
	ChartHeight       = 780 * chartScale

	titleSize = 11  // points
	tickSize  = 9.5 // points: tick labels, axis labels, value labels
)

// ChartMinFontPx is the smallest text of the chart in pixels as the email
// shows it (600 px wide).
const ChartMinFontPx = tickSize * 96 / 72

// Panel is one bar chart of the report chart, as drawn.
type Panel struct {
	Title  string
	YLabel string   // the value axis' label ("" none)
	Names  []string // one per bar
	Values []float64
	Labels []string // the value written above each bar
	Ticks  []string // the value axis' labels, from 0 up
	tickAt []float64
	color  color.Color
}

// Panels computes the three panels of the chart: the funnel (opportunities
// per stage), the activities done per salesman and the month forecast in
// the report's money unit. Count axes have whole ticks only.
func Panels(d ChartData) []Panel {
	zh := d.Locale == "zh"
	lb := chartLabels["en"]
	if zh {
		lb = chartLabels["zh"]
	}
	counts := func(title, ylabel string, names []string, ns []int, c color.Color) Panel {
		p := Panel{Title: title, YLabel: ylabel, Names: names, color: c}
		top := 0.0
		for _, n := range ns {
			p.Values = append(p.Values, float64(n))
			p.Labels = append(p.Labels, Group(strconv.Itoa(n)))
			top = max(top, float64(n))
		}
		p.tickAt = Ticks(top, true)
		for _, v := range p.tickAt {
			p.Ticks = append(p.Ticks, tickLabel(v, 1))
		}
		return p
	}
	var panels []Panel
	{
		var names []string
		var ns []int
		if d.Funnel != nil {
			for _, s := range d.Funnel.Stages {
				names = append(names, stageLabel(s.Stage, zh))
				ns = append(ns, s.Count)
			}
		}
		panels = append(panels, counts(lb["funnel"], lb["count"], names, ns, color.RGBA{0x2b, 0x6c, 0xb0, 0xff}))
	}
	{
		var names []string
		var ns []int
		if d.Activity != nil {
			for _, r := range d.Activity.Rows {
				names = append(names, r.Name)
				ns = append(ns, r.Done)
			}
		}
		panels = append(panels, counts(lb["activity"], lb["done"], names, ns, color.RGBA{0x3a, 0x9d, 0x5d, 0xff}))
	}
	{
		u := d.Unit
		if u.Yuan == 0 {
			var top crm.Money
			if d.Forecast != nil {
				for _, m := range d.Forecast.Months {
					top = max(top, m.Amount)
				}
			}
			u = ChooseUnit(d.Locale, top)
		}
		p := Panel{Title: fmt.Sprintf(lb["forecast"], u.Label), color: color.RGBA{0xd9, 0x82, 0x2b, 0xff}}
		top := 0.0
		if d.Forecast != nil {
			for _, m := range d.Forecast.Months {
				name := m.Month
				if name == "none" {
					name = map[bool]string{false: "no date", true: "未定"}[zh]
				}
				p.Names = append(p.Names, name)
				p.Values = append(p.Values, u.Value(m.Amount))
				p.Labels = append(p.Labels, u.Format(m.Amount))
				top = max(top, u.Value(m.Amount))
			}
		}
		p.tickAt = Ticks(top, false)
		step := 1.0
		if len(p.tickAt) > 1 {
			step = p.tickAt[1]
		}
		for _, v := range p.tickAt {
			p.Ticks = append(p.Ticks, tickLabel(v, step))
		}
		panels = append(panels, p)
	}
	return panels
}

// Chart draws the funnel as bars per stage, the activities per salesman and
// the month forecast, one above the other, as a PNG (gonum.org/v1/plot) of
// ChartWidth × ChartHeight pixels, to be shown 600 px wide.
func Chart(d ChartData) ([]byte, error) {
	if err := loadFont(); err != nil {
		return nil, err
	}
	var plots []*plot.Plot
	for _, pn := range Panels(d) {
		p, err := bars(pn)
		if err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	const dpi = 96 * chartScale
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(ChartWidth)*vg.Inch/dpi, vg.Length(ChartHeight)*vg.Inch/dpi), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	dc.Rectangle.Min.X, dc.Rectangle.Min.Y = 0, 0
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(4), PadLeft: vg.Points(8), PadRight: vg.Points(8), PadY: vg.Points(14)}
	canvases := plot.Align([][]*plot.Plot{{plots[0]}, {plots[1]}, {plots[2]}}, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[i][0])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var (
	inkColor   = color.Gray{0x22}
	gridColor  = color.Gray{0xdd}
	labelColor = color.Gray{0x33}
)

func bars(pn Panel) (*plot.Plot, error) {
	p := plot.New()
	for _, st := range []*draw.TextStyle{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle, &p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		st.Font.Typeface, st.Font.Variant, st.Font.Style, st.Font.Weight = chartFont.Typeface, chartFont.Variant, chartFont.Style, chartFont.Weight
		st.Font.Size = vg.Points(tickSize)
		st.Color = inkColor
	}
	p.Title.Text = pn.Title
	p.Title.TextStyle.Font.Size = vg.Points(titleSize)
	p.Title.Padding = vg.Points(4)
	p.Y.Label.Text = pn.YLabel
	names, vs, labels := pn.Names, plotter.Values(pn.Values), pn.Labels
	if len(vs) == 0 {
		names, vs, labels = []string{"-"}, plotter.Values{0}, []string{""}
	}
	// light horizontal lines at the ticks, under the bars
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = gridColor
	grid.Horizontal.Width = vg.Points(0.5)
	p.Add(grid)
	b, err := plotter.NewBarChart(vs, vg.Points(min(36, 360/float64(len(vs)))))
	if err != nil {
		return nil, err
	}
	b.Color = pn.color
	b.LineStyle.Width = 0
	p.Add(b)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(vs))-0.4 // room for the outer labels
	p.X.Tick.Length = 0
	if len(names) > 6 && longest(names) > 8 || len(names) > 10 {
		p.X.Tick.Label.Rotation = 0.6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	// the value axis: the panel's ticks; headroom above the tallest bar
	// for its value label
	top := pn.tickAt[len(pn.tickAt)-1]
	p.Y.Min, p.Y.Max = 0, top
	for _, v := range vs {
		p.Y.Max = max(p.Y.Max, v*1.18)
	}
	p.Y.Tick.Marker = fixedTicks{at: pn.tickAt, labels: pn.Ticks}
	p.Y.Padding = 0
	// value labels just above the bars
	xys := make(plotter.XYs, len(vs))
	for i, v := range vs {
		xys[i].X, xys[i].Y = float64(i), v
	}
	ls, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
	if err != nil {
		return nil, err
	}
	for i := range ls.TextStyle {
		ls.TextStyle[i].Font = font.From(chartFont, vg.Points(tickSize))
		ls.TextStyle[i].Color = labelColor
		ls.TextStyle[i].XAlign = draw.XCenter
		ls.TextStyle[i].YAlign = draw.YBottom
	}
	ls.Offset = vg.Point{Y: vg.Points(3)}
	p.Add(ls)
	return p, nil
}

func longest(ss []string) int {
	n := 0
	for _, s := range ss {
		n = max(n, textWidth(s))
	}
	return n
}

// fixedTicks labels the given values.
type fixedTicks struct {
	at     []float64
	labels []string
}

func (t fixedTicks) Ticks(min, max float64) []plot.Tick {
	ts := make([]plot.Tick, len(t.at))
	for i, v := range t.at {
		ts[i] = plot.Tick{Value: v, Label: t.labels[i]}
	}
	return ts
}
