package report

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"

	"github.com/fieldcrm/fieldcrm/crm"
)

func sampleChart(locale string) ChartData {
	fu := &FunnelReport{}
	for st := crm.StageIdentification; st <= crm.StageNoDeal; st++ {
		fu.Stages = append(fu.Stages, StageRow{Stage: st, Count: int(8 - st)})
	}
	return ChartData{Locale: locale, Funnel: fu,
		Activity: &ActivityReport{Rows: []SalesmanRow{{Name: "王军", Done: 12}, {Name: "李娜", Done: 7}, {Name: "Zhao Gang", Done: 3}}},
		Forecast: &ForecastReport{Months: []MonthRow{{Month: "2026-12", Amount: 120_000_000}, {Month: "2027-01", Amount: 35_000_000}}}}
}

// TestChartChinese renders the chart with Chinese labels and checks that the
// font has the glyphs, that the PNG has the announced size and that the
// Chinese title band is drawn (dark pixels where the title is).
func TestChartChinese(t *testing.T) {
	f, err := opentype.Parse(wqyMicroHei)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	for _, r := range "AZaz09%销售漏斗阶段识别确认开发报价赢单丢单放弃王军李娜按预计成交月份预测万元" {
		if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
			t.Errorf("font has no glyph for %q", r)
		}
	}
	data, err := Chart(sampleChart("zh"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != ChartWidth || b.Dy() != ChartHeight {
		t.Fatalf("chart is %v, want %dx%d", b, ChartWidth, ChartHeight)
	}
	dark := func(r image.Rectangle) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if c, _, _, _ := img.At(x, y).RGBA(); c < 0x8000 {
					n++
				}
			}
		}
		return n
	}
	// the first title ("销售漏斗：各阶段商机数") is centred in the top band
	if n := dark(image.Rect(ChartWidth/2-240, 0, ChartWidth/2+240, 60)); n < 600 {
		t.Errorf("the Chinese title band has %d dark pixels: not drawn", n)
	}
	en, err := Chart(sampleChart("en"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(en, data) {
		t.Error("the English and Chinese charts are identical")
	}
	if out := os.Getenv("REPORT_CHART_OUT"); out != "" {
		os.WriteFile(out, data, 0o644)
	}
	if out := os.Getenv("REPORT_CHART_OUT_EN"); out != "" {
		os.WriteFile(out, en, 0o644)
	}
}

// TestChartUnits: one money unit, whole ticks on count axes, tick labels
// with thousands grouped, value labels in the unit, text readable at the
// email's 600 px.
func TestChartUnits(t *testing.T) {
	d := sampleChart("en")
	d.Activity.Rows = []SalesmanRow{{Name: "Li Na", Done: 0}, {Name: "Wang Jun", Done: 5}, {Name: "Zhao Lei", Done: 0}}
	d.Forecast.Months = []MonthRow{{Month: "2026-11", Amount: 80_000_000}, {Month: "2027-01", Amount: 2_205_000_000}, {Month: "2027-03", Amount: 2_712_000_000}, {Month: "none", Amount: 1_234_500}}
	check := func(name string, got []string, want string) {
		t.Helper()
		if g := strings.Join(got, " "); g != want {
			t.Errorf("%s: %q, want %q", name, g, want)
		}
	}
	en := Panels(d)
	check("funnel ticks", en[0].Ticks, "0 2 4 6 8")
	check("activity ticks (the old chart had 2.5)", en[1].Ticks, "0 1 2 3 4 5")
	check("activity labels", en[1].Labels, "0 5 0")
	check("forecast ticks", en[2].Ticks, "0 10 20 30")
	check("forecast labels", en[2].Labels, "0.80 22.05 27.12 0.01")
	check("forecast months", en[2].Names, "2026-11 2027-01 2027-03 no date")
	if en[2].Title != "Forecast by month of close: amount in ¥ million" {
		t.Errorf("forecast title %q", en[2].Title)
	}
	d.Locale = "zh"
	zh := Panels(d)
	check("zh forecast ticks", zh[2].Ticks, "0 1,000 2,000 3,000")
	check("zh forecast labels", zh[2].Labels, "80.0 2,205.0 2,712.0 1.2")
	if zh[2].Title != "按预计成交月份预测：金额（万元）" || zh[0].YLabel != "商机数" {
		t.Errorf("zh titles %q %q", zh[2].Title, zh[0].YLabel)
	}
	// small amounts: whole yuan
	d.Forecast.Months = []MonthRow{{Month: "2026-12", Amount: 4_500_000}, {Month: "2027-01", Amount: 8_000_000}}
	check("zh small", Panels(d)[2].Labels, "45,000 80,000")
	if p := Panels(d)[2]; p.Title != "按预计成交月份预测：金额（元）" || strings.Join(p.Ticks, " ") != "0 20,000 40,000 60,000 80,000" {
		t.Errorf("zh small: %q %q", p.Title, p.Ticks)
	}
	d.Locale = "en"
	if p := Panels(d)[2]; p.Title != "Forecast by month of close: amount in ¥ thousand" || strings.Join(p.Labels, " ") != "45.0 80.0" {
		t.Errorf("en small: %q %q", p.Title, p.Labels)
	}
	// a larger count axis: steps of 2, 5, 10 …
	for top, want := range map[int]string{1: "0 1", 7: "0 2 4 6 8", 12: "0 5 10 15", 38: "0 10 20 30 40", 1200: "0 500 1,000 1,500"} {
		d.Activity.Rows = []SalesmanRow{{Name: "x", Done: top}}
		check(fmt.Sprint("ticks to ", top), Panels(d)[1].Ticks, want)
	}
	if ChartMinFontPx < 11 {
		t.Errorf("the smallest text is %.1f px at 600 px wide", ChartMinFontPx)
	}
	if ChartWidth != 2*ChartDisplayWidth {
		t.Errorf("the PNG is %d px wide for a %d px image", ChartWidth, ChartDisplayWidth)
	}
}

func TestChooseUnit(t *testing.T) {
	for _, c := range []struct {
		locale  string
		largest crm.Money
		amount  crm.Money
		want    string
	}{
		{"en", 2_205_000_000, 2_205_000_000, "22.05 ¥ million"},
		{"en", 2_205_000_000, 8_000_000, "0.08 ¥ million"},
		{"en", 80_000_000, 123_456_789, "1,234.6 ¥ thousand"},
		{"en", 999_999, 999_999, "10,000 ¥"},
		{"zh", 2_205_000_000, 2_205_000_000, "2,205.0 万元"},
		{"zh", 9_999_999, 1_234_567, "12,346 元"},
	} {
		u := ChooseUnit(c.locale, c.largest)
		if got := u.Format(c.amount) + " " + u.Label; got != c.want {
			t.Errorf("%s %d: %q, want %q", c.locale, c.largest, got, c.want)
		}
	}
}
