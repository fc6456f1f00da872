package parser

import (
	"strings"
	"unicode/utf8"
)

// names

var markers = map[string]bool{"met": true, "saw": true, "w/": true, "见": true, "找了": true, "拜见了": true, "见了": true, "见到": true, "会见": true, "约见": true, "拜见": true, "谈了": true}
var markers2 = map[string]bool{"met with": true, "spoke to": true, "spoke with": true, "talked to": true, "talked with": true, "meeting with": true}

// markerAt says whether ts[k] opens a "met <name>" phrase, and its length.
func markerAt(ts []tok, k int) int {
	if k >= len(ts) {
		return 0
	}
	if k+1 < len(ts) && markers2[ts[k].l+" "+ts[k+1].l] {
		return 2
	}
	if markers[ts[k].l] || (ts[k].l == "with" && k > 0) {
		if ts[k].l == "谈了" && !(k+1 < len(ts) && (zhNameLike(ts[k+1].s) || zhPersonLike(ts[k+1].s) || zhPersonLen(ts[k+1].s) == len(ts[k+1].s) || isCapWord(ts[k+1]))) {
			return 0 // 谈了价格: talked about, not with
		}
		return 1
	}
	if rest, ok := strings.CutPrefix(ts[k].s, "见"); ok && len(rest) > 0 && len(ts[k].s) <= 15 && ts[k].s[0] >= 0x80 && (zhNameLike(rest) || zhPersonLen(rest) == len(rest)) {
		return -1 // 见李总: the name is in the same word
	}
	return 0
}

var zhTitles = []string{"总", "经理", "工", "主任", "老板", "先生", "女士", "小姐", "师傅", "科长", "处长", "部长", "厂长", "队长", "书记", "董", "总监", "主管", "老师"}

func isCapWord(t tok) bool {
	c := t.s[0]
	if !(c >= 'A' && c <= 'Z') {
		return false
	}
	for i := 1; i < len(t.s); i++ {
		if !isLetter(t.s[i]) && t.s[i] != '.' && t.s[i] != '-' {
			return false
		}
	}
	return true
}

// nameLike says whether ts looks like a person's name: 1-3 Capitalised
// words ("Zhang Wei", "Mr Zhao"), or a Chinese name with a title (李总, 王经理)
// or 老/小 (老王).
func nameLike(ts []tok) bool {
	if len(ts) == 0 || len(ts) > 3 {
		return false
	}
	if len(ts) == 1 && ts[0].s[0] >= 0x80 {
		return zhNameLike(ts[0].s)
	}
	for _, t := range ts {
		if !isCapWord(t) {
			return false
		}
	}
	return true
}

func zhNameLike(s string) bool {
	n := 0
	for _, r := range s {
		if !isHan(r) {
			return false
		}
		n++
	}
	if n < 2 || n > 5 {
		return false
	}
	if strings.HasPrefix(s, "老") || strings.HasPrefix(s, "小") {
		return n <= 3
	}
	for _, t := range zhTitles {
		if strings.HasSuffix(s, t) {
			return true
		}
	}
	return false
}

// nameAfterMarker takes the person's name from the words after "met": all of
// them when at most three, else the run of Capitalised words, else one word.
func (p *parser) nameAfterMarker(ts []tok) int {
	if len(ts) == 0 {
		return 0
	}
	if n := p.personsAt(ts, 0); n > 0 {
		return n // a known person, "mr sun", 李总; "zhang wei and chen jie"
	}
	if ts[0].s[0] >= 0x80 {
		return 1 // 李总: Chinese words come cut already
	}
	if p.cmd != nil && p.cmd.Contact != "" {
		switch ts[0].l {
		case "their", "his", "her", "our", "my", "the", "a", "an", "some", "two", "three":
			return 0 // "kong wen; w/ their chief mechanic": someone described beside the one named
		}
	}
	if len(ts) > 3 {
		switch ts[0].l {
		case "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "dr", "dr.", "manager", "gm", "boss":
			return 2 // "met mr zhang about ..."
		}
	}
	if len(ts) <= 3 {
		// stop at words that begin a new thought
		for k, t := range ts {
			if k > 0 && (t.l == "about" || t.l == "re" || t.l == "for" || t.l == "to" || isDigit(t.l[0])) {
				return k
			}
		}
		return len(ts)
	}
	if isCapWord(ts[0]) {
		k := 1
		for k < len(ts) && k < 3 && isCapWord(ts[k]) {
			k++
		}
		// "Zhang Wei and Li"
		if k+1 < len(ts) && (ts[k].l == "and" || ts[k].l == "&") && isCapWord(ts[k+1]) {
			k += 2
			for k < len(ts) && k < 6 && isCapWord(ts[k]) {
				k++
			}
		}
		return k
	}
	return 1
}

// zhJobTitles end a job title: 采购经理, 设备主管, 总工程师.
var zhJobTitles = []string{"经理", "总监", "主任", "工程师", "主管", "部长", "厂长", "科长", "处长", "队长", "书记", "董事长", "会计", "采购", "机手", "司机", "助理", "专员", "总工"}

// zhJobTitle says whether s is a job title rather than a person called by
// one: 采购经理 and 经理 are titles, 王经理 is Mr Wang.
func zhJobTitle(s string) bool {
	for _, t := range zhJobTitles {
		if rest, ok := strings.CutSuffix(s, t); ok {
			n := utf8.RuneCountInString(rest)
			return (n == 0 || n >= 2) && n <= 4 && !strings.ContainsAny(rest, "说要的了在不没是有和跟给去来")
		}
	}
	return false
}

// contactText sets the contact from "Li Wei 13901234567" and the like.
func (p *parser) contactText(ts []tok) {
	var name, after []tok
	seen := false
	for k := 0; k < len(ts); {
		if ph, n := phoneAt(ts, k); n > 0 {
			p.addPhone(ph)
			k += n
			seen = true
			continue
		}
		if isEmail(ts[k].s) {
			p.cmd.Email = ts[k].s
			k++
			seen = true
			continue
		}
		if seen && len(name) > 0 {
			after = append(after, ts[k]) // "王建 139… 采购": the title or a note
		} else {
			name = append(name, ts[k])
		}
		k++
	}
	if len(after) > 0 {
		if p.cmd.Verb == VerbContact && p.cmd.Title == "" {
			p.cmd.Title = p.span(after)
		} else {
			p.products(after, false)
			p.addNote(p.span(after))
		}
	}
	// "陈明 采购经理 139…": the job after the name is the title
	if k := len(name) - 1; k >= 1 && p.cmd.Verb == VerbContact && p.cmd.Title == "" && zhJobTitle(name[k].s) && (zhPersonLen(name[k-1].s) > 0 || zhNameLike(name[k-1].s) || zhPersonLike(name[k-1].s)) {
		p.cmd.Title = name[k].s
		name = name[:k]
	}
	if len(name) > 0 {
		if p.cmd.Contact == "" {
			p.cmd.Contact = p.span(name)
		} else {
			p.addNote(p.span(name))
		}
	}
}

// targets

// headTarget reads the record named at the start of the first part. When
// alone is false (the part is followed by others, or the words end the
// message) the whole part is the name; otherwise the first word, extended
// over Capitalised words, or the words before a "met".
func (p *parser) headTarget(ts []tok, alone bool) (*Ref, []tok) {
	if p.pre != nil {
		return p.pre, ts
	}
	if len(ts) == 0 {
		return nil, ts
	}
	if ref, ok := refOf(ts[0].s); ok && !(ref.Kind != "" && len(ts) > 1 && (isCapWord(ts[1]) || isUpperWord(ts[1]))) {
		return &ref, ts[1:] // but "A1 Mining" is a name
	}
	// "gao peng at fushun coal", "mr liu at tieling cement"
	if n := p.personAt(ts, 0); n > 0 && n+1 < len(ts) && atWords[ts[n].l] {
		a := n + 1
		m := len(ts) - a
		if k, mk := p.nameAt(ts, a); mk > 0 && k&NameAccount != 0 {
			m = mk
		} else if alone && m > 3 {
			m = 0
		}
		if m > 0 {
			if p.cmd.Contact == "" {
				p.cmd.Contact = p.span(ts[:n])
			}
			return &Ref{Name: p.span(ts[a : a+m])}, ts[a+m:]
		}
	}
	// a known account, then a person: "fushun coal gao peng happy with the demo"
	k0, n0 := p.nameAt(ts, 0)
	if n0 > 0 && n0 < len(ts) && k0&NameAccount != 0 && p.personAt(ts, n0) > 0 {
		return &Ref{Name: p.span(ts[:n0])}, ts[n0:]
	}
	for k := 1; k < len(ts); k++ {
		if n := markerAt(ts, k); n != 0 {
			return &Ref{Name: p.span(ts[:k])}, ts[k:]
		}
	}
	// a known account followed by other words: "tieling cement send price list thu"
	if n0 > 0 && n0 < len(ts) && k0&NameAccount != 0 && alone {
		return &Ref{Name: p.span(ts[:n0])}, ts[n0:]
	}
	if !alone {
		return &Ref{Name: p.span(ts)}, nil
	}
	k := 1
	if isCapWord(ts[0]) || isUpperWord(ts[0]) {
		for k < len(ts) && k < 4 && (isCapWord(ts[k]) || isUpperWord(ts[k])) && !isModel(ts[k].s) {
			k++
		}
	}
	return &Ref{Name: p.span(ts[:k])}, ts[k:]
}

// atWords put a person at his company: "gao peng at fushun coal".
var atWords = map[string]bool{"at": true, "@": true, "from": true, "of": true, "in": true}

func isUpperWord(t tok) bool {
	if len(t.s) < 2 {
		return false
	}
	for i := 0; i < len(t.s); i++ {
		if !(t.s[i] >= 'A' && t.s[i] <= 'Z') && t.s[i] != '&' && t.s[i] != '.' {
			return false
		}
	}
	return true
}

// follow-ups

// followUp reads "quote fri", "call mon 3pm", "下周二报价", "fri".
func (p *parser) followUp(ts []tok) *FollowUp {
	f := &FollowUp{}
	if t, ht, a, b, ok := p.whenSpan(ts, false); ok {
		f.Due, f.HasTime = &t, ht
		var what []tok
		if a == 0 {
			what = ts[b:]
		} else {
			what = ts[:a]
		}
		f.What = p.span(what)
		return f
	}
	f.What = p.span(ts)
	return f
}

// absentAt says the words at ts[i], after a date or not, say a person is
// not there ("not in", "away", 不在, 下周出差); it returns the index of the
// word that says so, or 0.
func (p *parser) absentAt(ts []tok, i int) int {
	if _, _, m := p.whenAt(ts, i, false); m > 0 {
		i += m // 李总下周出差
	}
	if absentWord(ts, i) {
		return i
	}
	return 0
}

// absentWord says the words at ts[i] say a person was not there: "not in",
// "away", "out", 不在, 出差.
func absentWord(ts []tok, i int) bool {
	if i >= len(ts) {
		return false
	}
	switch ts[i].l {
	case "away", "absent", "out", "off", "unavailable", "busy", "sick", "travelling", "traveling", "不在", "出差", "没在", "休假", "请假", "外出", "没空", "生病":
		return true
	case "not", "wasn't", "was", "is", "isn't":
		return i+1 < len(ts) && (ts[i+1].l == "in" || ts[i+1].l == "there" || ts[i+1].l == "available" || ts[i+1].l == "away" || ts[i+1].l == "out" || ts[i+1].l == "not")
	}
	// 不在家, 这周出差, 又出差了; not 说老板不在 (someone else)
	s := ts[i].s
	if s[0] < 0x80 || len(s) > 18 || strings.Contains(s, "说") {
		return false
	}
	for _, w := range [...]string{"不在", "出差", "休假", "请假"} {
		if k := strings.Index(s, w); k >= 0 && k <= 6 {
			return true
		}
	}
	return false
}
