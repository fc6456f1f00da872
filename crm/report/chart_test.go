package report

import (
	"bytes"
	"image"
	"image/png"
	"os"
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
	if n := dark(image.Rect(ChartWidth/2-120, 0, ChartWidth/2+120, 30)); n < 300 {
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
}
