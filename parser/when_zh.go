package parser

import (
	"strings"
	"time"
)

// Chinese numerals, dates and times: 明天, 下周二, 11月28日, 下午3点.

var zhDigits = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// zhNum reads a number 0-99 in Arabic or Chinese numerals at the start of s.
func zhNum(s string) (v, n int) {
	i := 0
	for i < len(s) && isDigit(s[i]) && i < 4 {
		v = v*10 + int(s[i]-'0')
		i++
	}
	if i > 0 {
		return v, i
	}
	// 十, 十五, 二十, 二十八, 五
	tens := -1
	for i < len(s) {
		r, size := decodeRune(s[i:])
		if r == '十' {
			if tens >= 0 {
				break
			}
			if v == 0 {
				v = 1
			}
			tens = v
			v = 0
			i += size
			continue
		}
		d, ok := zhDigits[r]
		if !ok || (v > 0 && tens < 0) || (tens >= 0 && v > 0) {
			break
		}
		v = d
		i += size
	}
	if i == 0 {
		return 0, 0
	}
	if tens >= 0 {
		v += tens * 10
	}
	return v, i
}

func decodeRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

var zhWeekdayChars = map[rune]time.Weekday{
	'一': time.Monday, '二': time.Tuesday, '三': time.Wednesday, '四': time.Thursday,
	'五': time.Friday, '六': time.Saturday, '日': time.Sunday, '天': time.Sunday, '末': -1,
	'1': time.Monday, '2': time.Tuesday, '3': time.Wednesday, '4': time.Thursday,
	'5': time.Friday, '6': time.Saturday, '7': time.Sunday,
}

type zhWord struct {
	w  string
	ds dspec
}

var zhFixed = []zhWord{
	{"大后天", dspec{typ: 'r', k: 3}},
	{"后天", dspec{typ: 'r', k: 2}},
	{"明天", dspec{typ: 'r', k: 1}}, {"明日", dspec{typ: 'r', k: 1}}, {"明早", dspec{typ: 'r', k: 1, h: 9, hasTime: true}},
	{"明晚", dspec{typ: 'r', k: 1, h: 20, hasTime: true}},
	{"今天下班前", dspec{typ: 'r', h: 18, hasTime: true}},
	{"今天", dspec{typ: 'r'}}, {"今日", dspec{typ: 'r'}}, {"今晚", dspec{typ: 'r', h: 20, hasTime: true}},
	{"下班前", dspec{typ: 'r', h: 18, hasTime: true}},
	{"昨天", dspec{typ: 'r', k: -1}}, {"昨日", dspec{typ: 'r', k: -1}}, {"前天", dspec{typ: 'r', k: -2}},
	{"本月底", dspec{typ: 'M', d: -1}}, {"月底", dspec{typ: 'M', d: -1}}, {"下月底", dspec{typ: 'M', k: 1, d: -1}},
	{"下个月底", dspec{typ: 'M', k: 1, d: -1}},
	{"下个月", dspec{typ: 'M', k: 1, d: 1}}, {"下月", dspec{typ: 'M', k: 1, d: 1}},
}

var zhMonthPrefixes = []struct {
	w string
	k int
}{{"下下个月", 2}, {"下个月", 1}, {"下月", 1}, {"本月", 0}, {"这个月", 0}, {"这月", 0}, {"当月", 0}}

var zhWeekPrefixes = []struct {
	w string
	k int
}{
	{"下下周", wkAfter}, {"下下星期", wkAfter}, {"下下礼拜", wkAfter},
	{"下周", wkNext}, {"下星期", wkNext}, {"下礼拜", wkNext},
	{"本周", wkThisWeek}, {"这周", wkThisWeek}, {"这个星期", wkThisWeek}, {"本星期", wkThisWeek}, {"这星期", wkThisWeek}, {"这礼拜", wkThisWeek},
	{"周", wkNearest}, {"星期", wkNearest}, {"礼拜", wkNearest},
}

// zhDate reads a Chinese date at the start of s and returns its length in
// bytes (0 when there is none): 明天, 后天, 下周二, 周五, 11月28日, 28号,
// 2026年11月28日, 2019年5月, 3天后, 月底.
func zhDate(s string) (dspec, int) {
	ds, n := zhDate1(s)
	if n > 0 {
		// 月底前, 周五之前: "by" that date
		for _, suf := range []string{"之前", "以前", "前"} {
			if strings.HasPrefix(s[n:], suf) {
				return ds, n + len(suf)
			}
		}
	}
	return ds, n
}

func zhDate1(s string) (dspec, int) {
	if s == "" {
		return dspec{}, 0
	}
	if s[0] >= 0x80 {
		// 下个月15号, 本月20日
		for _, z := range zhMonthPrefixes {
			if strings.HasPrefix(s, z.w) {
				rest := s[len(z.w):]
				if d, k := zhNum(rest); k > 0 && d >= 1 && d <= 31 && (strings.HasPrefix(rest[k:], "号") || strings.HasPrefix(rest[k:], "日")) {
					return dspec{typ: 'M', k: z.k, d: d}, len(z.w) + k + 3
				}
			}
		}
		for _, z := range zhFixed {
			if strings.HasPrefix(s, z.w) {
				return z.ds, len(z.w)
			}
		}
		for _, z := range zhWeekPrefixes {
			if strings.HasPrefix(s, z.w) {
				rest := s[len(z.w):]
				r, size := decodeRune(rest)
				if wd, ok := zhWeekdayChars[r]; ok && size > 0 {
					if wd < 0 { // 周末
						return dspec{typ: 'w', wd: time.Saturday, k: max(z.k, 0)}, len(z.w) + size
					}
					return dspec{typ: 'w', wd: wd, k: z.k}, len(z.w) + size
				}
				if z.k == wkNext || z.k == wkAfter {
					return dspec{typ: 'w', wd: time.Monday, k: z.k}, len(z.w)
				}
				return dspec{}, 0
			}
		}
	}
	// numbers: 11月28日, 28号, 2026年11月28日, 3天后
	v, n := zhNum(s)
	if n == 0 {
		return dspec{}, 0
	}
	rest := s[n:]
	switch {
	case strings.HasPrefix(rest, "年"):
		if v < 1900 {
			return dspec{}, 0
		}
		rest = rest[len("年"):]
		m, k := zhNum(rest)
		if k == 0 || !strings.HasPrefix(rest[k:], "月") {
			return dspec{typ: 'a', y: v, m: 1, d: 1}, n + len("年")
		}
		i := n + len("年") + k + len("月")
		d, k2 := zhNum(s[i:])
		if k2 > 0 && (strings.HasPrefix(s[i+k2:], "日") || strings.HasPrefix(s[i+k2:], "号")) {
			if !validDate(v, m, d) {
				return dspec{}, 0
			}
			return dspec{typ: 'a', y: v, m: m, d: d}, i + k2 + 3
		}
		if !validDate(v, m, 1) {
			return dspec{}, 0
		}
		return dspec{typ: 'a', y: v, m: m, d: 1}, i
	case strings.HasPrefix(rest, "月"):
		i := n + len("月")
		if strings.HasPrefix(s[i:], "底") {
			if v < 1 || v > 12 {
				return dspec{}, 0
			}
			return dspec{typ: 'a', m: v + 1, d: 0}, 0 // not supported
		}
		d, k := zhNum(s[i:])
		if k > 0 && (strings.HasPrefix(s[i+k:], "日") || strings.HasPrefix(s[i+k:], "号")) {
			if !validDate(2024, v, d) {
				return dspec{}, 0
			}
			return dspec{typ: 'a', m: v, d: d}, i + k + 3
		}
		if k > 0 && i+k == len(s) { // 11月28
			if !validDate(2024, v, d) {
				return dspec{}, 0
			}
			return dspec{typ: 'a', m: v, d: d}, i + k
		}
		return dspec{}, 0
	case strings.HasPrefix(rest, "号") || strings.HasPrefix(rest, "日") && !strings.HasPrefix(rest, "日后"):
		if v < 1 || v > 31 {
			return dspec{}, 0
		}
		return dspec{typ: 'D', d: v}, n + 3
	}
	for _, u := range []struct {
		w    string
		days int
		mon  int
	}{
		{"天以后", 1, 0}, {"天后", 1, 0}, {"天内", 1, 0}, {"日后", 1, 0},
		{"个星期后", 7, 0}, {"个礼拜后", 7, 0}, {"星期后", 7, 0}, {"周后", 7, 0}, {"周内", 7, 0},
		{"个月后", 0, 1}, {"个月内", 0, 1},
	} {
		if strings.HasPrefix(rest, u.w) {
			if u.mon > 0 {
				return dspec{typ: 'M', k: v}, n + len(u.w)
			}
			return dspec{typ: 'r', k: v * u.days}, n + len(u.w)
		}
	}
	return dspec{}, 0
}

var zhPeriods = []string{"上午", "下午", "中午", "晚上", "早上", "早晨", "傍晚", "凌晨"}

func zhPeriodHour(period string, h int) int {
	switch period {
	case "下午", "晚上", "傍晚":
		if h < 12 {
			h += 12
		}
	case "中午":
		if h < 6 {
			h += 12
		}
	}
	return h
}

// zhTime reads a Chinese time at the start of s: 下午3点, 3点半, 15点, 10点30,
// 上午10:30, 中午. A period word alone is 9:00 (上午), 12:00 (中午), 14:00
// (下午) or 19:00 (晚上).
func zhTime(s string) (h, m, n int) {
	period := ""
	for _, w := range zhPeriods {
		if strings.HasPrefix(s, w) {
			period = w
			break
		}
	}
	i := len(period)
	v, k := zhNum(s[i:])
	if k > 0 {
		j := i + k
		switch {
		case strings.HasPrefix(s[j:], "点") || strings.HasPrefix(s[j:], "时"):
			j += 3
			mm := 0
			if strings.HasPrefix(s[j:], "半") {
				mm = 30
				j += 3
			} else if mv, mk := zhNum(s[j:]); mk > 0 && mv < 60 {
				mm = mv
				j += mk
				if strings.HasPrefix(s[j:], "分") {
					j += 3
				}
			}
			if v > 23 {
				return 0, 0, 0
			}
			return zhPeriodHour(period, v), mm, j
		case period != "" && j < len(s) && s[j] == ':':
			if hh, mm, ok := clock(s[i:]); ok {
				return zhPeriodHour(period, hh), mm, len(s)
			}
		}
	}
	switch period {
	case "上午":
		return 9, 0, len(period)
	case "早上", "早晨":
		return 8, 0, len(period)
	case "中午":
		return 12, 0, len(period)
	case "下午":
		return 14, 0, len(period)
	case "晚上", "傍晚":
		return 19, 0, len(period)
	}
	return 0, 0, 0
}
