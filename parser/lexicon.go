package parser

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// NameKind says what a known name names. A name may be several at once (an
// account and a contact both called "Sun Li").
type NameKind uint8

// The kinds of known names.
const (
	NameAccount NameKind = 1 << iota // a customer, by its name, an alias or a short form
	NameContact                      // a person at a customer
	NameUser                         // a colleague
)

// Person reports whether the name is a person's (contact or colleague).
func (k NameKind) Person() bool { return k&(NameContact|NameUser) != 0 }

// Lexicon holds the names a sender may mean: the accounts he can see (names,
// aliases and their short forms), their contacts and his colleagues. The
// parser splits text that has no separators on the longest known names
// ("zhao lei call benxi", "营口港王总"). A Lexicon is filled with Add and then
// only read, by any number of Parse calls at once; it never changes after it
// is handed to Parse. A Lexicon may sit on a parent: it then knows its own
// names and its parent's (so a refresh adds the new names on top of a big
// shared one instead of copying it).
type Lexicon struct {
	parent *Lexicon
	words  map[string]NameKind // "fushun coal works", "华鑫矿业": words in lower case joined by one space; Chinese without spaces
	first  map[string]uint8    // first word of the latin names → most words of a name that starts with it
	zh     map[rune]uint8      // first rune of the Chinese names → most runes
	n      int

	// A shared table (NewTable) also keeps which groups brought each name;
	// a view of it (View) knows only the names of the groups it sees, so
	// that one table serves every reader whatever he may see.
	srcs   map[string][]lexSrc // table: the groups behind each name
	groupN []int               // table: names brought by each group
	group  uint32              // table: the group of the name being added
	table  *Lexicon            // view: the table it reads
	sees   []bool              // view: the groups it sees, by number
}

// lexSrc is one group's part in a table's name.
type lexSrc struct {
	kind  NameKind
	group uint32
}

// NewTable returns an empty shared table for about n names: names are
// added with AddTo, and read through View (a table itself knows none).
func NewTable(n int) *Lexicon {
	return &Lexicon{words: map[string]NameKind{}, first: make(map[string]uint8, n/4), zh: make(map[rune]uint8, 1024),
		srcs: make(map[string][]lexSrc, n)}
}

// AddTo adds a name to a table as Add does, brought by group (a number the
// caller gives to the readers' access, e.g. an owner): a view sees it when
// it sees the group.
func (l *Lexicon) AddTo(name string, kind NameKind, group uint32) {
	l.group = group
	l.Add(name, kind)
}

// View returns a lexicon that knows the names of table l brought by the
// groups g with sees[g] true. It costs the length of sees, not the names; l
// must not change afterwards, and names may be added only on top of the
// view (NewLexicon(view)).
func (l *Lexicon) View(sees []bool) *Lexicon {
	v := &Lexicon{table: l, sees: sees, words: map[string]NameKind{}, first: l.first, zh: l.zh}
	for g, ok := range sees {
		if ok && g < len(l.groupN) {
			v.n += l.groupN[g]
		}
	}
	return v
}

// NewLexicon returns an empty lexicon on top of parent (nil for none).
func NewLexicon(parent *Lexicon) *Lexicon {
	return &Lexicon{parent: parent, words: map[string]NameKind{}, first: map[string]uint8{}, zh: map[rune]uint8{}}
}

// Len is the number of names added to this lexicon and its parents.
func (l *Lexicon) Len() int {
	if l == nil {
		return 0
	}
	return l.n + l.parent.Len()
}

// Own is the number of names added to this lexicon, without its parents'.
func (l *Lexicon) Own() int { return l.n }

// Parent returns the lexicon this one sits on, or nil.
func (l *Lexicon) Parent() *Lexicon { return l.parent }

// Add adds a name as typed in the records ("ACME Mining Co.", "华鑫矿业有限公司",
// "Zhang Wei", "李刚") and, for accounts, the short forms people use: without
// the company words ("ACME Mining", 华鑫矿业, 华鑫) and, for a latin name of
// several words, its first word ("acme", "tieling").
func (l *Lexicon) Add(name string, kind NameKind) {
	name = lower(normalize(name))
	if strings.ContainsAny(name, "\n") || kind == 0 {
		return
	}
	if hasHan(name) {
		l.addZh(name, kind)
		return
	}
	ws := lexWords(name)
	if len(ws) == 0 || len(ws) > 8 {
		return
	}
	l.put(ws, kind)
	if kind&NameAccount == 0 {
		return
	}
	// "liaoning great wall" for Liaoning Great Wall Heavy Construction
	for k := len(ws) - 1; k >= 2; k-- {
		if !companyWords[ws[k-1]] {
			l.put(ws[:k], NameAccount)
		}
	}
	if len(ws) > 1 && len(ws[0]) >= 4 && !genericWords[ws[0]] {
		l.put(ws[:1], NameAccount)
	}
}

// companyWords end a company's name and are often left out.
var companyWords = map[string]bool{"co": true, "co.": true, "ltd": true, "inc": true, "corp": true, "company": true, "limited": true,
	"group": true, "works": true, "llc": true, "plc": true, "gmbh": true, "&": true, "and": true, "services": true, "site": true}

// genericWords are first words too common to name an account alone.
var genericWords = map[string]bool{"northern": true, "southern": true, "eastern": true, "western": true, "north": true, "south": true,
	"east": true, "west": true, "great": true, "china": true, "new": true, "the": true, "city": true, "first": true, "general": true,
	"international": true, "national": true, "central": true, "united": true, "golden": true, "royal": true, "best": true,
	"liaoning": true, "beijing": true, "hebei": true, "jilin": true, "heilongjiang": true, "shandong": true, "inner": true}

// zhCompanySuffixes end a Chinese company's name and are often left out,
// longest first within each group; industry words come last.
var zhCompanySuffixes = []string{"股份有限公司", "有限责任公司", "有限公司", "分公司", "公司", "集团", "建设", "工程", "总厂", "厂",
	"建筑", "矿业", "物流", "水泥", "钢铁", "石化", "港口", "地铁", "运输", "机械", "实业"}

func (l *Lexicon) addZh(name string, kind NameKind) {
	var b strings.Builder
	for _, r := range name {
		if r == ' ' {
			continue
		}
		if !isHan(r) {
			return // mixed names ("CAT中国") are left to the grammar
		}
		b.WriteRune(r)
	}
	s := b.String()
	if utf8.RuneCountInString(s) < 2 {
		return
	}
	l.putZh(s, kind)
	if kind&NameAccount == 0 {
		return
	}
	for {
		cut := false
		for _, suf := range zhCompanySuffixes {
			if strings.HasSuffix(s, suf) && utf8.RuneCountInString(s)-utf8.RuneCountInString(suf) >= 2 {
				s = strings.TrimSuffix(s, suf)
				l.putZh(s, NameAccount)
				cut = true
				break
			}
		}
		if !cut {
			return
		}
	}
}

// putSrc notes in a table that the current group brought key.
func (l *Lexicon) putSrc(key string, kind NameKind) {
	ss := l.srcs[key]
	for i, s := range ss {
		if s.group == l.group {
			ss[i].kind |= kind
			return
		}
	}
	if ss == nil {
		ss = make([]lexSrc, 0, 1)
	}
	l.srcs[key] = append(ss, lexSrc{kind, l.group})
	for int(l.group) >= len(l.groupN) {
		l.groupN = append(l.groupN, 0)
	}
	l.groupN[l.group]++
	if len(ss) == 0 {
		l.n++
	}
}

func (l *Lexicon) put(ws []string, kind NameKind) {
	key := strings.Join(ws, " ")
	if l.srcs != nil {
		l.putSrc(key, kind) // a table keeps its names by group only
	} else {
		if _, ok := l.words[key]; !ok {
			l.n++
		}
		l.words[key] |= kind
	}
	if n := uint8(min(len(ws), 255)); n > l.first[ws[0]] {
		l.first[ws[0]] = n
	}
}

func (l *Lexicon) putZh(s string, kind NameKind) {
	if l.srcs != nil {
		l.putSrc(s, kind)
	} else {
		if _, ok := l.words[s]; !ok {
			l.n++
		}
		l.words[s] |= kind
	}
	r, _ := utf8.DecodeRuneInString(s)
	if n := uint8(min(utf8.RuneCountInString(s), 255)); n > l.zh[r] {
		l.zh[r] = n
	}
}

// lexWords splits a latin name into words as the parser's tokenizer does.
func lexWords(s string) []string {
	var ws []string
	for _, w := range strings.Fields(s) {
		for len(w) > 0 && strings.IndexByte(trimLeft, w[0]) >= 0 {
			w = w[1:]
		}
		for len(w) > 0 && strings.IndexByte(trimRight, w[len(w)-1]) >= 0 {
			w = w[:len(w)-1]
		}
		if w != "" {
			ws = append(ws, w)
		}
	}
	return ws
}

func hasHan(s string) bool {
	for _, r := range s {
		if isHan(r) {
			return true
		}
	}
	return false
}

// kindOf returns the kinds of a whole name (its key), here or in a parent.
func (l *Lexicon) kindOf(key string) NameKind {
	var k NameKind
	for x := l; x != nil; x = x.parent {
		if x.table != nil {
			for _, s := range x.table.srcs[key] {
				if int(s.group) < len(x.sees) && x.sees[s.group] {
					k |= s.kind
				}
			}
			continue
		}
		k |= x.words[key]
	}
	return k
}

// maxWords is the most words of a known latin name starting with w.
func (l *Lexicon) maxWords(w string) int {
	n := 0
	for x := l; x != nil; x = x.parent {
		n = max(n, int(x.first[w]))
	}
	return n
}

// maxRunes is the most runes of a known Chinese name starting with r.
func (l *Lexicon) maxRunes(r rune) int {
	n := 0
	for x := l; x != nil; x = x.parent {
		n = max(n, int(x.zh[r]))
	}
	return n
}

// zhLen is the byte length of the longest known Chinese name at the start
// of s (0 when none).
func (l *Lexicon) zhLen(s string) int {
	r, _ := utf8.DecodeRuneInString(s)
	m := l.maxRunes(r)
	if m < 2 {
		return 0
	}
	var ends [32]int
	n := 0
	for i, r := range s {
		if n > 0 {
			ends[n] = i
		}
		if !isHan(r) || n >= m || n >= len(ends)-1 {
			break
		}
		n++
		if n == m || i+utf8.RuneLen(r) == len(s) {
			ends[n] = i + utf8.RuneLen(r)
			break
		}
	}
	for k := n; k >= 2; k-- {
		if ends[k] > 0 && l.kindOf(s[:ends[k]]) != 0 {
			return ends[k]
		}
	}
	return 0
}

// nameAt returns the longest known name starting at ts[i]: its kinds and
// how many words it takes (0 when none).
func (p *parser) nameAt(ts []tok, i int) (NameKind, int) {
	l := p.lex
	if l == nil || i >= len(ts) {
		return 0, 0
	}
	if ts[i].s[0] >= 0x80 {
		if k := l.kindOf(ts[i].s); k != 0 {
			return k, 1
		}
		return 0, 0
	}
	m := min(l.maxWords(ts[i].l), len(ts)-i)
	if m == 0 {
		return 0, 0
	}
	var buf [96]byte
	for n := m; n >= 1; n-- {
		b := buf[:0]
		ok := true
		for k := i; k < i+n; k++ {
			if k > i {
				b = append(b, ' ')
			}
			if len(b)+len(ts[k].l) > len(buf) {
				ok = false
				break
			}
			b = append(b, ts[k].l...)
		}
		if !ok {
			continue
		}
		if kind := l.kindOf(string(b)); kind != 0 {
			return kind, n
		}
	}
	return 0, 0
}

// honorifics come before an English surname: "Mr Sun", "Ms Li".
// The titles marked false name a person only before a Capitalised word
// ("GM Wang", not "boss says no").
var honorifics = map[string]bool{"mr": true, "mr.": true, "mrs": true, "mrs.": true, "ms": true, "ms.": true, "miss": true,
	"dr": true, "dr.": true, "mister": true, "madam": true, "boss": false, "director": false, "engineer": false, "eng": false, "gm": false}

// personAt returns how many words at ts[i] name a person: a known contact
// or colleague, "Mr Sun", 李总, 王工, 老陈 (0 when none).
func (p *parser) personAt(ts []tok, i int) int {
	if i >= len(ts) {
		return 0
	}
	if k, n := p.nameAt(ts, i); n > 0 && k.Person() {
		return n
	}
	t := ts[i]
	if t.s[0] >= 0x80 {
		if n := zhPersonLen(t.s); n == len(t.s) {
			return 1
		}
		return 0
	}
	if strong, ok := honorifics[t.l]; ok && i+1 < len(ts) && isLetter(ts[i+1].s[0]) && len(ts[i+1].l) >= 2 && len(ts[i+1].l) <= 10 && !fillerWords[ts[i+1].l] && (strong || isCapWord(ts[i+1])) {
		if _, n := p.nameAt(ts, i+1); n > 1 {
			return 1 + n // "Mr Zhang Wei"
		}
		return 2
	}
	return 0
}

// personsAt is personAt over people joined by "and", "&", 和, 跟:
// "zhang wei and chen jie", "陈总和李工".
func (p *parser) personsAt(ts []tok, i int) int {
	n := p.personAt(ts, i)
	if n == 0 {
		return 0
	}
	for i+n+1 < len(ts) && (ts[i+n].l == "and" || ts[i+n].l == "&" || ts[i+n].l == "和" || ts[i+n].l == "跟" || ts[i+n].l == "还有") {
		m := p.personAt(ts, i+n+1)
		if m == 0 {
			break
		}
		n += 1 + m
	}
	return n
}

// fillerWords never follow an honorific as a name.
var fillerWords = map[string]bool{"and": true, "at": true, "from": true, "of": true, "to": true, "the": true, "in": true, "on": true, "is": true, "was": true}

// zhSurnames are the common Chinese surnames, for "李总", "王工", "老陈".
var zhSurnames = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范金廖贾夏韦方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔汤庞齐康" {
		m[r] = true
	}
	return m
}()

// zhPersonTitles follow a surname: 李总, 王总工, 张经理. Longest first.
var zhPersonTitles = []string{"总经理", "副总", "总监", "总工", "经理", "主任", "老板", "先生", "女士", "小姐", "师傅", "科长", "处长", "部长", "厂长", "队长", "书记", "主管", "老师", "董", "总", "工", "姐", "哥"}

// zhPersonLen is the byte length of a person named by surname and title at
// the start of s (李总, 王工, 张经理, 老陈, 小王), 0 when none.
func zhPersonLen(s string) int {
	r, size := utf8.DecodeRuneInString(s)
	if r == '老' || r == '小' {
		if r2, size2 := utf8.DecodeRuneInString(s[size:]); zhSurnames[r2] {
			// not 老王八, but 老王 followed by anything else
			return size + size2
		}
		return 0
	}
	if !zhSurnames[r] {
		return 0
	}
	for _, t := range zhPersonTitles {
		if strings.HasPrefix(s[size:], t) {
			return size + len(t)
		}
	}
	return 0
}

// Squash returns one lexicon on base with every name of l and of its parents
// down to base: the layers a cache put on a big base, merged, so that a look-up
// does not walk a long chain.
func (l *Lexicon) Squash(base *Lexicon) *Lexicon {
	out := NewLexicon(base)
	var chain []*Lexicon
	for x := l; x != nil && x != base; x = x.parent {
		chain = append(chain, x)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		x := chain[i]
		for k, v := range x.words {
			if _, ok := out.words[k]; !ok {
				out.n++
			}
			out.words[k] |= v
		}
		for k, v := range x.first {
			out.first[k] = max(out.first[k], v)
		}
		for k, v := range x.zh {
			out.zh[k] = max(out.zh[k], v)
		}
	}
	return out
}

// ParseLexicon reads a lexicon written one name a line as "account: ACME
// Mining Co.", "contact: Zhang Wei" or "user: Zhao Lei" (blank lines and
// lines starting with # are skipped): the form of `fieldcrm parse --names`
// and of the parser's test lexicons.
func ParseLexicon(text string) (*Lexicon, error) {
	kinds := map[string]NameKind{"account": NameAccount, "contact": NameContact, "user": NameUser}
	l := NewLexicon(nil)
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		kind := kinds[strings.ToLower(strings.TrimSpace(k))]
		if !ok || kind == 0 || strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("line %d: want account|contact|user: <name>, got %q", i+1, line)
		}
		l.Add(strings.TrimSpace(v), kind)
	}
	return l, nil
}
