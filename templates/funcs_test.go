package templates_test

import (
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/templates"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		cents  int64
		en, zh string
	}{
		{0, "0", "0"},
		{99, "1", "1"},
		{1_250_000, "12,500", "12,500"},
		{9_999_900, "99,999", "99,999"},
		{10_000_000, "100k", "10万"},
		{35_000_000, "350k", "35万"},
		{35_250_000, "352.5k", "35.3万"},
		{99_990_000, "999.9k", "100万"},
		{100_000_000, "1m", "100万"},
		{120_000_000, "1.2m", "120万"},
		{240_000_000, "2.4m", "240万"},
		{987_654_321, "9.88m", "987.7万"},
		{35_555_555_00, "35.56m", "3,555.6万"},
		{98_765_432_100, "987.65m", "9.88亿"},
		{-35_000_000, "-350k", "-35万"},
	}
	for _, tt := range tests {
		if got := templates.Money(tt.cents, "en"); got != tt.en {
			t.Errorf("Money(%d, en) = %q, want %q", tt.cents, got, tt.en)
		}
		if got := templates.Money(tt.cents, "zh"); got != tt.zh {
			t.Errorf("Money(%d, zh) = %q, want %q", tt.cents, got, tt.zh)
		}
	}
}

func TestDates(t *testing.T) {
	d := time.Date(2025, 11, 28, 15, 0, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{templates.Date(d, "en"), "Fri 28/11"},
		{templates.Date(d, "zh"), "11月28日周五"},
		{templates.Day(d, "en"), "28/11"},
		{templates.Day(d, "zh"), "11月28日"},
		{templates.Clock(d), "15:00"},
		{templates.DateTime(d, "en"), "Fri 28/11 15:00"},
		{templates.DateTime(d, "zh"), "11月28日周五 15:00"},
		{templates.Date(time.Time{}, "en"), ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if n := templates.Days(d, d.Add(-3*24*time.Hour+time.Hour)); n != -3 {
		t.Errorf("Days = %d, want -3", n)
	}
	late := time.Date(2025, 11, 25, 23, 30, 0, 0, time.UTC)
	if n := templates.Days(late, time.Date(2025, 11, 26, 0, 30, 0, 0, time.UTC)); n != 1 {
		t.Errorf("Days across midnight = %d, want 1", n)
	}
}

func TestTrunc(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		zh   bool
		want string
	}{
		{"ACME Mining", 20, false, "ACME Mining"},
		{"ACME Mining", 11, false, "ACME Mining"},
		{"Liaoning Great Wall Heavy Construction", 22, false, "Liaoning Great..."},
		{"Supercalifragilistic", 10, false, "Superca..."},
		{"辽宁长城重型工程机械有限公司", 8, true, "辽宁长城重型工…"},
		{"辽宁长城", 8, true, "辽宁长城"},
		{"Anshan Iron & Steel", 16, false, "Anshan Iron..."},
	}
	for _, tt := range tests {
		got := templates.Trunc(tt.s, tt.n, tt.zh)
		if got != tt.want {
			t.Errorf("Trunc(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
		if len([]rune(got)) > tt.n {
			t.Errorf("Trunc(%q, %d) = %q: too long", tt.s, tt.n, got)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n          int64
		word, want string
	}{{1, "visit", "1 visit"}, {0, "visit", "0 visits"}, {3, "opportunity", "3 opportunities"}, {2, "branch", "2 branches"}, {2, "day", "2 days"}} {
		if got := templates.Plural(c.n, c.word, "en"); got != c.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", c.n, c.word, got, c.want)
		}
	}
	if got := templates.Plural(3, "个", "zh"); got != "3个" {
		t.Errorf("zh plural = %q", got)
	}
}

func TestShort(t *testing.T) {
	for in, want := range map[string]string{
		"Liaoning Great Wall Heavy Construction Machinery Co. Ltd": "Liaoning Great Wall Heavy Construction Machinery",
		"ACME Mining Co.":  "ACME Mining",
		"Huaxin Co., Ltd.": "Huaxin",
		"大连港物流有限公司":        "大连港物流",
		"辽宁北方重工集团有限公司":     "辽宁北方重工集团",
		"Ltd":              "Ltd",
		"Costco":           "Costco",
		"opp #42":          "opp #42",
	} {
		if got := templates.Short(in); got != want {
			t.Errorf("Short(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStageKindSource(t *testing.T) {
	if got := templates.Stage("proposal", "zh"); got != "报价" {
		t.Errorf("Stage = %q", got)
	}
	if got := templates.Stage(4, "en"); got != "proposal" {
		t.Errorf("Stage(4) = %q", got)
	}
	if got := templates.Kind("meeting", "zh"); got != "会议" {
		t.Errorf("Kind = %q", got)
	}
	if got := templates.Source("word_of_mouth", "en"); got != "word of mouth" {
		t.Errorf("Source = %q", got)
	}
}

// TestAmount: a report's amounts in its one unit, thousands grouped, fixed
// decimals; in a sentence with the unit.
func TestAmount(t *testing.T) {
	for _, c := range []struct {
		cents, per   int64
		dec          int
		unit, locale string
		num, with    string
	}{
		{2_205_000_000, 1_000_000, 2, "¥ million", "en", "22.05", "¥22.05 million"},
		{8_000_000, 1_000_000, 2, "¥ million", "en", "0.08", "¥0.08 million"},
		{123_456_789, 1_000, 1, "¥ thousand", "en", "1,234.6", "¥1,234.6 thousand"},
		{123_456_789, 1, 0, "¥", "en", "1,234,568", "¥1,234,568"},
		{2_205_000_000, 10_000, 1, "万元", "zh", "2,205.0", "2,205.0万元"},
		{123_456_789, 1, 0, "元", "zh", "1,234,568", "1,234,568元"},
		{-150, 0, 0, "元", "zh", "-2", "-2元"},
		{0, 1_000_000, 2, "¥ million", "en", "0.00", "¥0.00 million"},
	} {
		if got := templates.Amount(c.cents, c.per, c.dec); got != c.num {
			t.Errorf("Amount(%d, %d, %d) = %q, want %q", c.cents, c.per, c.dec, got, c.num)
		}
		if got := templates.AmountWithUnit(c.cents, c.per, c.dec, c.unit, c.locale); got != c.with {
			t.Errorf("AmountWithUnit(%d, %s) = %q, want %q", c.cents, c.unit, got, c.with)
		}
	}
}

// A name cut to one word would name two customers alike: ACME Mining and
// ACME Transport keep the start of their second word.
func TestNameKeepsCustomersApart(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"ACME Transport Ltd", 10, "ACME Tran."},
		{"ACME Mining Co.", 10, "ACME Mini."},
		{"ACME Mining Co.", 11, "ACME Mining"},
		{"Liaoning Great Wall Heavy Construction", 15, "Liaoning Great"},
		{"Tieling Cement", 9, "Tieling"}, // no room for three letters and the dot
		{"华鑫矿业有限公司", 6, "华鑫矿业"},
	} {
		if got := templates.Name(c.in, c.n, false); got != c.want {
			t.Errorf("Name(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
