package parser

import (
	"strings"
	"time"
)

// dspec is a date as written, before it is resolved against now.
type dspec struct {
	typ     byte // 'r' today+k days; 'w' weekday wd in week mode k; 'M' month+k, day d (-1 last); 'a' y-m-d (y 0: unknown); 'D' day d of this month
	y, m, d int
	k       int
	wd      time.Weekday
	h, mi   int
	hasTime bool
}

// week modes of a 'w' dspec
const (
	wkNearest  = 0  // fri: the nearest Friday, today included
	wkNext     = 1  // next fri, 下周五: Friday of next week (weeks start on Monday)
	wkAfter    = 2  // 下下周五
	wkThisWeek = -1 // this fri, 本周五: Friday of this week, even if past
)

// rollDays: a date without a year that is more than this many days in the
// past is taken to be next year's.
const rollDays = 60

func (p *parser) today() time.Time {
	y, m, d := p.now.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, p.loc)
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2200 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d
}

// resolve turns a dspec into a time in the sender's zone. past is set for
// dates that are in the past by nature (bought): a date without a year is then
// never in the future. ok is false for an impossible date (31/11).
func (p *parser) resolve(ds dspec, past bool) (time.Time, bool) {
	t0 := p.today()
	var t time.Time
	switch ds.typ {
	case 'r':
		t = t0.AddDate(0, 0, ds.k)
	case 'w':
		wd := int(t0.Weekday())
		switch ds.k {
		case wkNearest:
			t = t0.AddDate(0, 0, (int(ds.wd)-wd+7)%7)
		default:
			monday := t0.AddDate(0, 0, -((wd + 6) % 7))
			weeks := ds.k
			if weeks < 0 {
				weeks = 0
			}
			t = monday.AddDate(0, 0, 7*weeks+(int(ds.wd)+6)%7)
		}
	case 'M':
		y, m, _ := t0.Date()
		if ds.d < 0 {
			t = time.Date(y, m+time.Month(ds.k)+1, 0, 0, 0, 0, 0, p.loc)
		} else {
			d := ds.d
			if d == 0 {
				d = t0.Day()
			}
			t = time.Date(y, m+time.Month(ds.k), d, 0, 0, 0, 0, p.loc)
		}
	case 'a':
		y := ds.y
		if y == 0 {
			y = t0.Year()
			if !validDate(y, ds.m, ds.d) && !validDate(y+1, ds.m, ds.d) {
				return time.Time{}, false
			}
			t = time.Date(y, time.Month(ds.m), ds.d, 0, 0, 0, 0, p.loc)
			if past {
				if t.After(t0) {
					t = time.Date(y-1, time.Month(ds.m), ds.d, 0, 0, 0, 0, p.loc)
				}
			} else if t.Before(t0.AddDate(0, 0, -rollDays)) {
				t = time.Date(y+1, time.Month(ds.m), ds.d, 0, 0, 0, 0, p.loc)
			}
		} else {
			if y < 100 {
				y += 2000
			}
			if !validDate(y, ds.m, ds.d) {
				return time.Time{}, false
			}
			t = time.Date(y, time.Month(ds.m), ds.d, 0, 0, 0, 0, p.loc)
		}
	case 'D':
		y, m, _ := t0.Date()
		if ds.d < 1 || ds.d > 31 {
			return time.Time{}, false
		}
		if !past && ds.d < t0.Day() {
			m++
		}
		if past && ds.d > t0.Day() {
			m--
		}
		t = time.Date(y, m, ds.d, 0, 0, 0, 0, p.loc)
		if t.Day() != ds.d {
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	if ds.hasTime {
		t = time.Date(t.Year(), t.Month(), t.Day(), ds.h, ds.mi, 0, 0, p.loc)
	}
	return t, true
}

var weekdays = map[string]time.Weekday{
	"mon": time.Monday, "monday": time.Monday, "mo": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday, "tu": time.Tuesday,
	"wed": time.Wednesday, "weds": time.Wednesday, "wednesday": time.Wednesday, "we": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday, "th": time.Thursday,
	"fri": time.Friday, "friday": time.Friday, "fr": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday, "sa": time.Saturday,
	"sun": time.Sunday, "sunday": time.Sunday, "su": time.Sunday,
}

var months = map[string]int{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
	"september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

var relDays = map[string]int{
	"today": 0, "tod": 0, "tdy": 0, "2day": 0,
	"tomorrow": 1, "tmr": 1, "tmrw": 1, "tmw": 1, "tomo": 1, "tomorow": 1, "tommorow": 1, "tommorrow": 1, "tomorro": 1, "2moro": 1, "2morrow": 1, "2mr": 1,
	"yesterday": -1, "yday": -1, "yest": -1, "ystd": -1,
}

// dateAt reads a date starting at ts[i]; n is the number of words used.
func (p *parser) dateAt(ts []tok, i int) (ds dspec, n int) {
	if i >= len(ts) {
		return ds, 0
	}
	w := ts[i].l
	next := func(k int) string {
		if i+k < len(ts) {
			return ts[i+k].l
		}
		return ""
	}
	if k, ok := relDays[w]; ok {
		return dspec{typ: 'r', k: k}, 1
	}
	if w == "the" && i+1 < len(ts) && isDigit(ts[i+1].l[0]) {
		if ds, n := p.dateAt(ts, i+1); n > 0 { // on the 15th
			return ds, n + 1
		}
	}
	if wd, ok := weekdays[w]; ok && len(w) >= 3 && !(w == "sun" && p.sunIsPerson(ts, i)) {
		return dspec{typ: 'w', wd: wd, k: wkNearest}, 1
	}
	switch w {
	case "eod", "cob", "tonight":
		h := 18
		if w == "tonight" {
			h = 20
		}
		return dspec{typ: 'r', h: h, hasTime: true}, 1
	case "eow":
		return dspec{typ: 'w', wd: time.Friday, k: wkNearest}, 1
	case "eom":
		return dspec{typ: 'M', d: -1}, 1
	case "weekend":
		return dspec{typ: 'w', wd: time.Saturday, k: wkNearest}, 1
	case "next", "this", "coming":
		nw := next(1)
		if wd, ok := weekdays[nw]; ok && len(nw) >= 2 {
			k := wkNext
			if w == "this" {
				k = wkThisWeek
			} else if w == "coming" {
				k = wkNearest
			}
			return dspec{typ: 'w', wd: wd, k: k}, 2
		}
		if w == "next" {
			switch nw {
			case "week", "wk":
				return dspec{typ: 'w', wd: time.Monday, k: wkNext}, 2
			case "month", "mth":
				if d, ok := dayNum(next(2)); ok { // next month 15th
					return dspec{typ: 'M', k: 1, d: d}, 3
				}
				return dspec{typ: 'M', k: 1, d: 1}, 2
			}
		}
		if w == "this" && (nw == "weekend") {
			return dspec{typ: 'w', wd: time.Saturday, k: wkNearest}, 2
		}
	case "end":
		if next(1) == "of" {
			switch next(2) {
			case "day", "today":
				return dspec{typ: 'r', h: 18, hasTime: true}, 3
			case "week":
				return dspec{typ: 'w', wd: time.Friday, k: wkNearest}, 3
			case "month":
				return dspec{typ: 'M', d: -1}, 3
			}
		}
	case "day":
		if next(1) == "after" && next(2) == "tomorrow" {
			return dspec{typ: 'r', k: 2}, 3
		}
	case "in", "within":
		if d, k := durationAt(ts, i+1); k > 0 {
			if d.m > 0 {
				return dspec{typ: 'M', k: d.m}, k + 1
			}
			return dspec{typ: 'r', k: d.d}, k + 1
		}
	}
	// numeric dates: 28/11, 11-28, 2026-11-28, 28/11/2026, 2019-05
	if isDigit(w[0]) {
		if ds, ok := numDate(w); ok {
			return ds, 1
		}
		// 28 nov, 28th nov, 15th next month, 15th of next month
		if d, ok := dayNum(w); ok {
			k := 1
			if next(k) == "of" {
				k++
			}
			if (next(k) == "next" || next(k) == "this") && (next(k+1) == "month" || next(k+1) == "mth") {
				m := 0
				if next(k) == "next" {
					m = 1
				}
				return dspec{typ: 'M', k: m, d: d}, k + 2
			}
			if m, ok := months[next(1)]; ok {
				ds := dspec{typ: 'a', m: m, d: d}
				if y, ok := atoi(next(2)); ok && y >= 1990 && y <= 2100 && len(next(2)) == 4 {
					ds.y = y
					return ds, 3
				}
				return ds, 2
			}
		}
	}
	if m, ok := months[w]; ok {
		if y, ok := atoi(next(1)); ok && len(next(1)) == 4 && y >= 1970 && y <= 2100 {
			return dspec{typ: 'a', y: y, m: m, d: 1}, 2
		}
		if d, ok := dayNum(next(1)); ok {
			ds := dspec{typ: 'a', m: m, d: d}
			if y, ok := atoi(next(2)); ok && y >= 1990 && y <= 2100 && len(next(2)) == 4 {
				ds.y = y
				return ds, 3
			}
			return ds, 2
		}
	}
	if ts[i].s[0] >= 0x80 || isDigit(ts[i].s[0]) {
		if ds, n := zhDate(ts[i].s); n > 0 && n == len(ts[i].s) {
			return ds, 1
		}
	}
	return ds, 0
}

// sunIsPerson says the "sun" at ts[i] is Mr Sun, not Sunday: after an
// honorific or "met", or part of a known person's name ("Sun Li").
func (p *parser) sunIsPerson(ts []tok, i int) bool {
	if _, h := honorifics[ts[max(i-1, 0)].l]; i > 0 && (h || markers[ts[i-1].l] || ts[i-1].l == "with" || ts[i-1].l == "call" || ts[i-1].l == "called") {
		return true
	}
	if k, n := p.nameAt(ts, i); n > 1 && k.Person() {
		return true
	}
	if i > 0 {
		if k, n := p.nameAt(ts, i-1); n > 1 && k.Person() {
			return true
		}
	}
	return false
}

// dayNum reads 28, 28th, 1st, 2nd, 3rd.
func dayNum(w string) (int, bool) {
	for _, suf := range []string{"st", "nd", "rd", "th"} {
		if strings.HasSuffix(w, suf) {
			w = w[:len(w)-2]
			break
		}
	}
	d, ok := atoi(w)
	return d, ok && d >= 1 && d <= 31 && len(w) <= 2
}

// numDate reads 28/11, 28/11/2026, 28/11/26, 11-28, 2026-11-28, 2026/11/28,
// 2026.11.28, 2019-05. A/B is day/month, falling back to month/day when
// that is the only valid reading; A-B is month-day, falling back likewise.
func numDate(w string) (dspec, bool) {
	var f [3]int
	var lens [3]int
	n := 0
	sep := byte(0)
	start := 0
	for i := 0; i <= len(w); i++ {
		if i == len(w) || w[i] == '/' || w[i] == '-' || w[i] == '.' {
			if n == 3 || i == start {
				return dspec{}, false
			}
			if i < len(w) {
				if sep == 0 {
					sep = w[i]
				} else if sep != w[i] {
					return dspec{}, false
				}
			}
			v, ok := atoi(w[start:i])
			if !ok {
				return dspec{}, false
			}
			f[n], lens[n] = v, i-start
			n++
			start = i + 1
			continue
		}
		if !isDigit(w[i]) {
			return dspec{}, false
		}
	}
	switch {
	case n == 3 && lens[0] == 4:
		return dspec{typ: 'a', y: f[0], m: f[1], d: f[2]}, validDate(f[0], f[1], f[2])
	case n == 3 && (lens[2] == 4 || lens[2] == 2) && sep != '.':
		y := f[2]
		if lens[2] == 2 {
			y += 2000
		}
		if validDate(y, f[1], f[0]) {
			return dspec{typ: 'a', y: y, m: f[1], d: f[0]}, true
		}
		return dspec{typ: 'a', y: y, m: f[0], d: f[1]}, validDate(y, f[0], f[1])
	case n == 2 && lens[1] == 4 && lens[0] <= 2 && sep != '.':
		return dspec{typ: 'a', y: f[1], m: f[0], d: 1}, validDate(f[1], f[0], 1)
	case n == 2 && lens[0] == 4 && sep != '/':
		return dspec{typ: 'a', y: f[0], m: f[1], d: 1}, validDate(f[0], f[1], 1) && sep == '-' || sep == '.' && validDate(f[0], f[1], 1)
	case n == 2 && lens[0] <= 2 && lens[1] <= 2 && sep == '/':
		if validDate(2024, f[1], f[0]) {
			return dspec{typ: 'a', m: f[1], d: f[0]}, true
		}
		return dspec{typ: 'a', m: f[0], d: f[1]}, validDate(2024, f[0], f[1])
	case n == 2 && lens[0] <= 2 && lens[1] <= 2 && sep == '-':
		if validDate(2024, f[0], f[1]) {
			return dspec{typ: 'a', m: f[0], d: f[1]}, true
		}
		return dspec{typ: 'a', m: f[1], d: f[0]}, validDate(2024, f[1], f[0])
	}
	return dspec{}, false
}

// dur is a length of time: days, or months.
type dur struct{ d, m int }

// durationAt reads "3 days", "3d", "2 weeks", "2w", "a week", "1 month",
// "3天", "两周", "一个月".
func durationAt(ts []tok, i int) (dur, int) {
	if i >= len(ts) {
		return dur{}, 0
	}
	w := ts[i].l
	if d, ok := durWord(w); ok {
		return d, 1
	}
	var n int
	switch w {
	case "a", "an", "one":
		n = 1
	case "two":
		n = 2
	case "three":
		n = 3
	default:
		v, ok := atoi(w)
		if !ok || v > 400 {
			return dur{}, 0
		}
		n = v
	}
	if i+1 >= len(ts) {
		return dur{}, 0
	}
	switch ts[i+1].l {
	case "day", "days", "d":
		return dur{d: n}, 2
	case "week", "weeks", "wk", "wks", "w":
		return dur{d: 7 * n}, 2
	case "month", "months", "mo", "mth", "mths":
		return dur{m: n}, 2
	}
	return dur{}, 0
}

// durWord reads one-word durations: 3d, 2w, 1m(th), 3天, 两周, 一个月.
func durWord(w string) (dur, bool) {
	i := 0
	for i < len(w) && isDigit(w[i]) {
		i++
	}
	if i > 0 && i <= 3 {
		n, _ := atoi(w[:i])
		switch w[i:] {
		case "d", "day", "days", "天", "日":
			return dur{d: n}, true
		case "w", "wk", "wks", "week", "weeks", "周", "星期", "个星期":
			return dur{d: 7 * n}, true
		case "mo", "mth", "month", "months", "个月", "月":
			return dur{m: n}, true
		}
		return dur{}, false
	}
	if n, k := zhNum(w); k > 0 {
		switch w[k:] {
		case "天", "日":
			return dur{d: n}, true
		case "周", "星期", "个星期", "个礼拜":
			return dur{d: 7 * n}, true
		case "个月":
			return dur{m: n}, true
		}
	}
	return dur{}, false
}

// timeAt reads a time of day at ts[i]: 3pm, 3 pm, 3:30pm, 15:00, noon, 下午3点.
func timeAt(ts []tok, i int) (h, m, n int) {
	if i >= len(ts) {
		return 0, 0, 0
	}
	w := ts[i].l
	switch w {
	case "noon", "midday":
		return 12, 0, 1
	}
	if w[0] >= 0x80 {
		if h, m, k := zhTime(ts[i].s); k == len(ts[i].s) {
			// 下午 3点 in two words
			if i+1 < len(ts) && (w == "上午" || w == "下午" || w == "晚上" || w == "早上" || w == "中午" || w == "傍晚") {
				if h2, m2, k2 := zhTime(ts[i+1].s); k2 == len(ts[i+1].s) && strings.ContainsAny(ts[i+1].s, "点时:") {
					h2 = zhPeriodHour(w, h2)
					return h2, m2, 2
				}
			}
			return h, m, 1
		}
		return 0, 0, 0
	}
	if !isDigit(w[0]) {
		return 0, 0, 0
	}
	if h, m, ok := clock(w); ok {
		return h, m, 1
	}
	// "3 pm"
	if i+1 < len(ts) {
		if ap := ts[i+1].l; ap == "pm" || ap == "am" || ap == "p.m" || ap == "a.m" {
			if h, m, ok := clock(w + ap[:1] + "m"); ok {
				return h, m, 2
			}
		}
	}
	return 0, 0, 0
}

// clock reads 3pm, 3:30pm, 3.30pm, 15:00, 9am, 12am.
func clock(w string) (h, m int, ok bool) {
	suffix := ""
	if strings.HasSuffix(w, "pm") || strings.HasSuffix(w, "am") {
		suffix = w[len(w)-2:]
		w = w[:len(w)-2]
	} else if strings.HasSuffix(w, "h") && len(w) == 5 { // 1500h
		w = w[:2] + ":" + w[2:4]
	}
	colon := strings.IndexAny(w, ":.")
	if colon < 0 {
		if suffix == "" {
			return 0, 0, false
		}
		h, ok = atoi(w)
		if !ok || len(w) > 2 {
			return 0, 0, false
		}
	} else {
		if suffix == "" && w[colon] == '.' {
			return 0, 0, false
		}
		h, ok = atoi(w[:colon])
		if !ok || colon > 2 || colon == 0 {
			return 0, 0, false
		}
		if len(w)-colon-1 != 2 {
			return 0, 0, false
		}
		m, ok = atoi(w[colon+1:])
		if !ok || m > 59 {
			return 0, 0, false
		}
	}
	switch suffix {
	case "pm":
		if h < 1 || h > 12 {
			return 0, 0, false
		}
		if h < 12 {
			h += 12
		}
	case "am":
		if h < 1 || h > 12 {
			return 0, 0, false
		}
		if h == 12 {
			h = 0
		}
	default:
		if h > 23 {
			return 0, 0, false
		}
	}
	return h, m, true
}

var whenConnectors = map[string]bool{"on": true, "by": true, "at": true, "before": true, "due": true, "@": true, "for": true}

// whenAt reads a date and/or time at ts[i]: "fri", "fri 3pm", "3pm tomorrow",
// "by next mon", "明天 下午3点". A time without a date is today's, or
// tomorrow's when that time has passed.
func (p *parser) whenAt(ts []tok, i int, past bool) (t time.Time, hasTime bool, n int) {
	if i >= len(ts) {
		return
	}
	if whenConnectors[ts[i].l] {
		if t, h, k := p.whenAt(ts, i+1, past); k > 0 {
			if _, wd := weekdays[ts[i+1].l]; wd && k == 1 && !h && !past && (ts[i].l == "by" || ts[i].l == "before") && t.Equal(p.today()) {
				t = t.AddDate(0, 0, 7) // "by wed" written on a Wednesday: a deadline is next week's
			}
			return t, h, k + 1
		}
		return
	}
	j := i
	ds, dn := p.dateAt(ts, j)
	if dn > 0 {
		j += dn
		k := j
		if k < len(ts) && (ts[k].l == "at" || ts[k].l == "@") {
			k++
		}
		if h, m, tn := timeAt(ts, k); tn > 0 {
			ds.h, ds.mi, ds.hasTime = h, m, true
			j = k + tn
		}
		t, ok := p.resolve(ds, past)
		if !ok {
			return time.Time{}, false, 0
		}
		return t, ds.hasTime, j - i
	}
	h, m, tn := timeAt(ts, j)
	if tn == 0 {
		return
	}
	j += tn
	k := j
	if k < len(ts) && ts[k].l == "on" {
		k++
	}
	if ds, dn := p.dateAt(ts, k); dn > 0 && !ds.hasTime {
		ds.h, ds.mi, ds.hasTime = h, m, true
		if t, ok := p.resolve(ds, past); ok {
			return t, true, k + dn - i
		}
	}
	t0 := p.today()
	t = time.Date(t0.Year(), t0.Month(), t0.Day(), h, m, 0, 0, p.loc)
	if t.Before(p.now) && !past {
		t = time.Date(t0.Year(), t0.Month(), t0.Day()+1, h, m, 0, 0, p.loc)
	}
	return t, true, j - i
}

// whenSpan finds a date expression at the start or at the end of ts. It
// returns the date and the words before (a, b) and after it (c, len(ts)).
func (p *parser) whenSpan(ts []tok, past bool) (t time.Time, hasTime bool, a, b int, ok bool) {
	if len(ts) == 0 {
		return
	}
	if t, h, n := p.whenAt(ts, 0, past); n > 0 {
		return t, h, 0, n, true
	}
	for s := max(1, len(ts)-6); s < len(ts); s++ {
		if t, h, n := p.whenAt(ts, s, past); n > 0 && s+n == len(ts) {
			return t, h, s, len(ts), true
		}
	}
	return
}

// Chinese dates and times

// atoi reads a non-negative decimal number of at most 9 digits.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// purchase dates: 2018年买的, 前年买的, bought last year, 3 years ago

// boughtWords say a machine was bought, before or after its date.
var boughtWords = map[string]bool{"bought": true, "purchased": true, "buy": true, "bought in": true, "买的": true, "买": true, "购买": true, "购入": true,
	"购于": true, "买于": true, "购买于": true, "年买的": true, "新买的": true, "入手": true, "购置": true}

// zhYearsAgo are the Chinese words for a year counted back from this one.
var zhYearsAgo = map[string]int{"今年": 0, "去年": 1, "前年": 2, "大前年": 3}

// yearAgoAt reads a year counted back at ts[i]: 去年, 前年, last year, this
// year, 3 years ago, 3年前, 两年前; it returns how many years back.
func yearAgoAt(ts []tok, i int) (years, n int) {
	if i >= len(ts) {
		return 0, 0
	}
	w := ts[i].l
	if y, ok := zhYearsAgo[w]; ok {
		return y, 1
	}
	next := func(k int) string {
		if i+k < len(ts) {
			return ts[i+k].l
		}
		return ""
	}
	switch {
	case w == "last" && (next(1) == "year" || next(1) == "yr"):
		return 1, 2
	case w == "this" && (next(1) == "year" || next(1) == "yr"):
		return 0, 2
	case w == "year" && next(1) == "before" && next(2) == "last":
		return 2, 3
	}
	if strings.HasSuffix(w, "年前") {
		if v, k := zhNum(w); k > 0 && w[k:] == "年前" && v < 60 {
			return v, 1
		}
	}
	if v, ok := atoi(w); ok || w == "a" || w == "one" || w == "two" || w == "three" {
		switch w {
		case "a", "one":
			v = 1
		case "two":
			v = 2
		case "three":
			v = 3
		}
		if (next(1) == "years" || next(1) == "year" || next(1) == "yrs" || next(1) == "yr") && next(2) == "ago" && v < 60 {
			return v, 3
		}
		if k := len(w); k > 0 && isDigit(w[0]) && strings.HasSuffix(next(1), "年前") {
			return 0, 0
		}
	}
	return 0, 0
}

// boughtAt reads a purchase date at ts[i]: a date in the past, a year
// (2018, 2018年) or a year counted back (去年, last year). A month or a year
// alone is its first day.
func (p *parser) boughtAt(ts []tok, i int) (time.Time, int) {
	if i+1 < len(ts) && (ts[i].l == "in" || ts[i].l == "on" || ts[i].l == "于") {
		t, n := p.boughtAt(ts, i+1) // bought in 2017
		if n > 0 {
			n++
		}
		return t, n
	}
	if i >= len(ts) {
		return time.Time{}, 0
	}
	if y, n := yearAgoAt(ts, i); n > 0 {
		return time.Date(p.now.Year()-y, 1, 1, 0, 0, 0, 0, p.loc), n
	}
	if t, _, n := p.whenAt(ts, i, true); n > 0 {
		return t, n
	}
	w := ts[i].l
	if y, ok := atoi(w); ok && y >= 1970 && y <= p.now.Year() && len(w) == 4 {
		return time.Date(y, 1, 1, 0, 0, 0, 0, p.loc), 1
	}
	if y, ok := zhYear(ts[i].s); ok && y <= p.now.Year() {
		return time.Date(y, 1, 1, 0, 0, 0, 0, p.loc), 1
	}
	return time.Time{}, 0
}

// takeBought finds "bought <date>", "<date> 买的", "2018年买的" among ts,
// sets the purchase date and returns the other words.
func (p *parser) takeBought(ts []tok) []tok {
	if p.cmd.Bought != nil {
		return ts
	}
	for k := 0; k < len(ts); k++ {
		if boughtWords[ts[k].l] {
			j := k + 1
			if j < len(ts) && (ts[j].l == "in" || ts[j].l == "on" || ts[j].l == "于") {
				j++
			}
			if t, n := p.boughtAt(ts, j); n > 0 {
				p.cmd.Bought = &t
				return append(ts[:k:k], ts[j+n:]...)
			}
			continue
		}
		if t, n := p.boughtAt(ts, k); n > 0 && k+n < len(ts) && boughtWords[ts[k+n].l] {
			p.cmd.Bought = &t
			return append(ts[:k:k], ts[k+n+1:]...)
		}
	}
	return ts
}

func init() {
	// purchase words that must stand alone: 前年买的, 2018年买的
	addZhLex("前年", "去年", "今年", "大前年", "买的", "新买的", "购入", "购置", "入手", "见面")
}
