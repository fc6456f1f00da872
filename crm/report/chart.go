package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"image/color"
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
}

var chartLabels = map[string]map[string]string{
	"en": {"funnel": "Funnel: opportunities per stage", "activity": "Activities done per salesman",
		"forecast": "Forecast by month of close (amount, thousands)", "count": "count", "done": "done", "amount": "k"},
	"zh": {"funnel": "销售漏斗：各阶段商机数", "activity": "销售员完成的活动", "forecast": "按预计成交月份预测（金额，万元）",
		"count": "数量", "done": "活动", "amount": "万元"},
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

// ChartWidth and ChartHeight are the size of the PNG in pixels.
const (
	ChartWidth  = 900
	ChartHeight = 900
)

// Chart draws the funnel as bars per stage, the activities per salesman and
// the month forecast, one above the other, as a PNG (gonum.org/v1/plot).
func Chart(d ChartData) ([]byte, error) {
	if err := loadFont(); err != nil {
		return nil, err
	}
	zh := d.Locale == "zh"
	lb := chartLabels["en"]
	if zh {
		lb = chartLabels["zh"]
	}
	var plots []*plot.Plot
	// funnel
	{
		var names []string
		var vs plotter.Values
		if d.Funnel != nil {
			for _, s := range d.Funnel.Stages {
				names = append(names, stageLabel(s.Stage, zh))
				vs = append(vs, float64(s.Count))
			}
		}
		p, err := bars(lb["funnel"], lb["count"], names, vs, color.RGBA{0x2b, 0x6c, 0xb0, 0xff})
		if err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	// activity per salesman
	{
		var names []string
		var vs plotter.Values
		if d.Activity != nil {
			for _, r := range d.Activity.Rows {
				names = append(names, r.Name)
				vs = append(vs, float64(r.Done))
			}
		}
		p, err := bars(lb["activity"], lb["done"], names, vs, color.RGBA{0x3a, 0x9d, 0x5d, 0xff})
		if err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	// forecast
	{
		var names []string
		var vs plotter.Values
		unit := 1000.0
		if zh {
			unit = 10000
		}
		if d.Forecast != nil {
			for _, m := range d.Forecast.Months {
				names = append(names, m.Month)
				vs = append(vs, m.Amount.Yuan()/unit)
			}
		}
		p, err := bars(lb["forecast"], lb["amount"], names, vs, color.RGBA{0xd9, 0x82, 0x2b, 0xff})
		if err != nil {
			return nil, err
		}
		plots = append(plots, p)
	}
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(ChartWidth)*vg.Inch/96, vg.Length(ChartHeight)*vg.Inch/96), vgimg.UseDPI(96))
	dc := draw.New(img)
	dc.Rectangle.Min.X, dc.Rectangle.Min.Y = 0, 0
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(6), PadX: vg.Points(6), PadY: vg.Points(10)}
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

func bars(title, ylabel string, names []string, vs plotter.Values, c color.Color) (*plot.Plot, error) {
	p := plot.New()
	for _, st := range []*draw.TextStyle{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle, &p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		st.Font.Typeface, st.Font.Variant, st.Font.Style, st.Font.Weight = chartFont.Typeface, chartFont.Variant, chartFont.Style, chartFont.Weight
	}
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Y.Label.Text = ylabel
	p.Y.Min = 0
	if len(vs) == 0 {
		names, vs = []string{"-"}, plotter.Values{0}
	}
	b, err := plotter.NewBarChart(vs, vg.Points(min(40, 480/float64(len(vs)))))
	if err != nil {
		return nil, err
	}
	b.Color = c
	b.LineStyle.Width = 0
	p.Add(b)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(vs))-0.4 // room for the outer labels
	p.Y.Tick.Marker = plainTicks{}
	if len(names) > 8 {
		p.X.Tick.Label.Rotation = 0.6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	// value labels on the bars
	lbl := make([]string, len(vs))
	xys := make(plotter.XYs, len(vs))
	for i, v := range vs {
		xys[i].X, xys[i].Y = float64(i), v
		lbl[i] = trimFloat(v)
	}
	ls, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: lbl})
	if err != nil {
		return nil, err
	}
	for i := range ls.TextStyle {
		ls.TextStyle[i].Font = font.From(chartFont, vg.Points(10))
		ls.TextStyle[i].XAlign = draw.XCenter
		ls.TextStyle[i].YAlign = draw.YBottom
	}
	p.Add(ls)
	return p, nil
}

func trimFloat(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// plainTicks are plot.DefaultTicks labelled without trailing zeros.
type plainTicks struct{}

func (plainTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = trimFloat(ts[i].Value)
		}
	}
	return ts
}
