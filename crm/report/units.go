package report

import (
	"math"
	"strconv"

	"github.com/fieldcrm/fieldcrm/crm"
)

// MoneyUnit is the one unit a report's amounts are shown in (its chart and
// its tables alike), chosen once per report from the largest amount.
type MoneyUnit struct {
	Yuan     int64  // yuan per unit: 1, 1,000, 10,000 or 1,000,000
	Decimals int    // decimals shown
	Label    string // "¥", "¥ thousand", "¥ million"; "元", "万元"
}

// ChooseUnit picks the unit of a report whose largest amount is largest:
// in English ¥ million from ¥1,000,000, ¥ thousand from ¥10,000, else ¥;
// in Chinese 万元 from 100,000元, else 元.
func ChooseUnit(locale string, largest crm.Money) MoneyUnit {
	y := largest.Yuan()
	if y < 0 {
		y = -y
	}
	if locale == "zh" {
		if y >= 100_000 {
			return MoneyUnit{Yuan: 10_000, Decimals: 1, Label: "万元"}
		}
		return MoneyUnit{Yuan: 1, Label: "元"}
	}
	switch {
	case y >= 1_000_000:
		return MoneyUnit{Yuan: 1_000_000, Decimals: 2, Label: "¥ million"}
	case y >= 10_000:
		return MoneyUnit{Yuan: 1_000, Decimals: 1, Label: "¥ thousand"}
	}
	return MoneyUnit{Yuan: 1, Label: "¥"}
}

// Value is m in the unit.
func (u MoneyUnit) Value(m crm.Money) float64 {
	return float64(m) / 100 / float64(max(u.Yuan, 1))
}

// Format writes m in the unit, rounded to its decimals, thousands grouped:
// 22,050,000 yuan in ¥ million is "22.05", in 万元 "2,205.0".
func (u MoneyUnit) Format(m crm.Money) string {
	return Group(strconv.FormatFloat(roundTo(u.Value(m), u.Decimals), 'f', u.Decimals, 64))
}

func roundTo(v float64, dec int) float64 {
	p := math.Pow(10, float64(dec))
	return math.Round(v*p) / p
}

// Ticks are the labelled values of a chart's value axis, from 0 to the
// first tick at or above the largest value, at most about six: steps of 1,
// 2 or 5 times a power of ten; whole steps only when whole is set (counts).
func Ticks(largest float64, whole bool) []float64 {
	if largest <= 0 || math.IsNaN(largest) {
		largest = 1
	}
	step := 0.0
	for e := math.Floor(math.Log10(largest/5)) - 1; step == 0; e++ {
		for _, m := range []float64{1, 2, 5} {
			s := m * math.Pow(10, e)
			if whole && s < 1 {
				continue
			}
			if largest/s <= 5 {
				step = s
				break
			}
		}
	}
	var ts []float64
	for i := 0; ; i++ {
		v := roundTo(float64(i)*step, 10)
		ts = append(ts, v)
		if v >= largest {
			return ts
		}
	}
}

// tickLabel writes a tick value with as many decimals as the step needs,
// thousands grouped.
func tickLabel(v, step float64) string {
	if v == 0 {
		return "0"
	}
	dec := 0
	for dec < 6 && math.Abs(step*math.Pow(10, float64(dec))-math.Round(step*math.Pow(10, float64(dec)))) > 1e-9 {
		dec++
	}
	return Group(strconv.FormatFloat(v, 'f', dec, 64))
}
