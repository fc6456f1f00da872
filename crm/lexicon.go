package crm

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"sync"

	"github.com/fieldcrm/fieldcrm/parser"
)

// The sender's lexicon: the names he may mean in a message (the accounts he
// can see, their contacts, his colleagues), handed to the parser so that it
// can split "zhao lei call benxi" or "营口港王总" on known names.
//
// Lexicons are cached per scope: everyone who reads the same records (the
// salesmen of one branch and department, say) shares one. The store keeps one
// table of every name, each tagged with the group of records that brought it
// (kind, owner, branch, department); a scope's base is a view of that table
// that sees the groups its reader may read, made in a pass over the groups.
// Only the table reads every account, contact and user (about 1 s for 100,000
// accounts here), once for all scopes: on a store of more than lexSyncMax
// records it is built in the background while messages are read with the
// grammar alone. A cached lexicon is that base plus small layers with the
// names written since: a write that adds or renames an account, a contact or
// a user is noted when its transaction commits, and the next request for a
// lexicon adds just those records on top of the base. A base is taken again
// when its layers hold more than lexLayerMax records or the notes it needs
// have been dropped, and the table is read again when it is itself that far
// behind. Names removed since the table was read may linger until then: that
// is harmless, as the lexicon only guides how text is split; what a name
// finds is still the lookup's business, with its access checks.

const (
	lexLayerMax = 16384 // changed records on top of a base before it is rebuilt
	lexLogMax   = 32768 // notes of changed records kept
	lexMaxDepth = 12    // layers on a base before the top ones are merged
)

// lexSyncMax is how many records a lexicon is built from while the message
// waits; from bigger stores it is built in the background.
var lexSyncMax uint64 = 20000

type lexCache struct {
	buildMu       sync.Mutex  // held while a lexicon is looked up or built; guards scopes
	mu            sync.Mutex  // guards gen and log
	gen           uint64      // number of changes published
	log           []lexChange // the latest changes, oldest first
	scopes        map[string]*lexScope
	table         *lexTable // the names of the whole store, nil until first needed
	tableBuilding bool      // a table is being built in the background
}

type lexChange struct {
	gen  uint64
	kind Kind
	id   int64
}

type lexScope struct {
	actor   *User // who the scope reads as: his levels, branch, department (id only for M levels)
	base    *parser.Lexicon
	baseGen uint64
	cur     *parser.Lexicon // base, or layers on it
	curGen  uint64
	depth   int // layers on the base
	layered int // records added in those layers
}

// lexKind says the names of records of kind k go into lexicons.
func lexKind(k Kind) bool { return k == KindAccount || k == KindContact || k == KindUser }

// lexChanged says a write of r (old is what was stored before, nil for a new
// record) may change the names it brings to a lexicon, or who sees them.
func lexChanged(old, r Record) bool {
	if old == nil {
		return true
	}
	if old.ownedBy() != r.ownedBy() {
		return true
	}
	switch v := r.(type) {
	case *Account:
		o := old.(*Account)
		return o.Name != v.Name || !slices.Equal(o.Aliases, v.Aliases)
	case *Contact:
		o := old.(*Contact)
		return o.Name != v.Name || o.Removed != v.Removed
	case *User:
		o := old.(*User)
		return o.Name != v.Name || o.Disabled != v.Disabled
	}
	return false
}

// noteLex keeps a change of the request, made known when its transaction
// commits (publishLex).
func (tx *Tx) noteLex(k Kind, id int64) {
	tx.lexNotes = append(tx.lexNotes, lexChange{kind: k, id: id})
}

// publishLex makes the changes of a committed transaction known.
func (c *lexCache) publishLex(notes []lexChange) {
	if len(notes) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, ch := range notes {
		ch.gen = c.gen
		c.log = append(c.log, ch)
	}
	if len(c.log) > lexLogMax {
		c.log = slices.Clone(c.log[len(c.log)-lexLogMax/2:])
	}
}

// scopeOf returns the key of the records u reads and who to read them as.
func (s *Store) scopeOf(u *User) (string, *User) {
	key := string(u.Role)
	as := &User{Role: u.Role}
	for _, k := range []Kind{KindAccount, KindContact, KindUser} {
		lv := s.policy.levels(u, k)
		key += "|" + lv.Read.String()
		switch lv.Read {
		case LevelM:
			as.ID = u.ID
		case LevelD:
			as.Branch, as.Dept = u.Branch, u.Dept // directors (A) share one, whatever their branch
		}
	}
	key += "|" + as.Branch + "|" + as.Dept
	if u == System {
		return "system", System
	}
	if as.ID != 0 {
		key += "|" + strconv.FormatInt(u.ID, 10)
	}
	return key, as
}

// Lexicon returns the names u may mean, for parser.Context. It is cached:
// the first call for a scope takes a view of the store's name table (built
// once, from every account, contact and user); later calls cost a map
// look-up, or the records written since.
func (s *Store) Lexicon(u *User) (*parser.Lexicon, error) {
	if u == nil {
		return nil, nil
	}
	s.feedLexicon(context.Background())
	key, as := s.scopeOf(u)
	c := &s.lex
	c.buildMu.Lock() // one build at a time; the writer only waits for mu
	defer c.buildMu.Unlock()
	if c.scopes == nil {
		c.scopes = map[string]*lexScope{}
	}
	sc := c.scopes[key]
	c.mu.Lock()
	gen := c.gen
	if sc != nil && sc.curGen == gen {
		c.mu.Unlock()
		return sc.cur, nil
	}
	// the changes since the scope's current layer, or since the table
	var since []lexChange
	ok := false
	if sc != nil {
		since, ok = c.sinceLocked(sc.curGen)
		ok = ok && sc.layered+len(since) <= lexLayerMax
	}
	t := c.table
	tableOK := false
	var tsince []lexChange
	if !ok && t != nil {
		tsince, tableOK = c.sinceLocked(t.gen)
		tableOK = tableOK && len(tsince) <= lexLayerMax
	}
	c.mu.Unlock()
	if !ok {
		if !tableOK {
			// no table yet, or too old: read the store (once for every scope)
			if c.tableBuilding {
				return scopeCur(sc), nil
			}
			if s.lexRecords() > lexSyncMax {
				// a big store: build in the background rather than keep this
				// message waiting; it is read with the grammar alone meanwhile
				c.tableBuilding = true
				go s.buildTable(gen)
				return scopeCur(sc), nil
			}
			nt, err := s.readTable(gen)
			if err != nil {
				return nil, err
			}
			c.table, t, tsince = nt, nt, nil
		}
		base := s.tableView(t, as)
		sc = &lexScope{actor: as, base: base, baseGen: t.gen, cur: base, curGen: t.gen}
		c.scopes[key] = sc
		since = tsince
	}
	if len(since) == 0 {
		sc.curGen = gen
		return sc.cur, nil
	}
	layer := parser.NewLexicon(sc.cur)
	seen := make(map[lexChange]bool, len(since))
	err := s.View(as, func(tx *Tx) error {
		for _, ch := range since {
			k := lexChange{kind: ch.kind, id: ch.id}
			if seen[k] {
				continue
			}
			seen[k] = true
			if r, err := tx.load(ch.kind, ch.id); err == nil {
				addLexRecord(layer, tx, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sc.cur, sc.curGen, sc.depth, sc.layered = layer, gen, sc.depth+1, sc.layered+len(seen)
	if sc.depth >= lexMaxDepth {
		// merge the top layers into one, down to the first layer much bigger
		// than them: layers grow geometrically, so a name is copied a few
		// times at most and the chain stays short
		acc, d, stop := 0, 0, sc.cur
		for stop != sc.base && (acc == 0 || stop.Own() <= 4*acc) {
			acc += stop.Own()
			stop = stop.Parent()
			d++
		}
		sc.cur, sc.depth = sc.cur.Squash(stop), sc.depth-d+1
	}
	return sc.cur, nil
}

// scopeCur is what a scope answers while the table is being built: the
// grammar alone (nil) or its last lexicon.
func scopeCur(sc *lexScope) *parser.Lexicon {
	if sc == nil {
		return nil
	}
	return sc.cur
}

// sinceLocked returns the changes published after generation g, and false
// when some of them are no longer noted (c.mu held).
func (c *lexCache) sinceLocked(g uint64) ([]lexChange, bool) {
	if g == c.gen {
		return nil, true
	}
	if len(c.log) == 0 || c.log[0].gen > g+1 {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(c.log, g+1, func(ch lexChange, g uint64) int { return cmpU64(ch.gen, g) })
	return slices.Clone(c.log[i:]), true
}

// lexTable is the store's one table of names, shared by every scope: each
// name is tagged with the group of records that brought it (a kind and an
// owner with his branch and department), and a scope's lexicon is a view
// that sees the groups its reader may read. A new scope costs a pass over
// the groups (about one per user and kind), not over the records.
type lexTable struct {
	lex    *parser.Lexicon
	gen    uint64
	groups []lexGroup // by group number
}

type lexGroup struct {
	k Kind
	o ownerOf
}

// tableView is the lexicon of the names in t that as may read.
func (s *Store) tableView(t *lexTable, as *User) *parser.Lexicon {
	var lvs [3]Level
	for i, k := range []Kind{KindAccount, KindContact, KindUser} {
		lvs[i] = s.policy.levels(as, k).Read
	}
	sees := make([]bool, len(t.groups))
	for g, gr := range t.groups {
		lv := lvs[0]
		switch gr.k {
		case KindContact:
			lv = lvs[1]
		case KindUser:
			lv = lvs[2]
		}
		sees[g] = lv != LevelNone && lv.allows(as, gr.o)
	}
	return t.lex.View(sees)
}

// buildTable builds the table in the background.
func (s *Store) buildTable(gen uint64) {
	t, err := s.readTable(gen)
	c := &s.lex
	c.buildMu.Lock()
	defer c.buildMu.Unlock()
	c.tableBuilding = false
	if err != nil {
		return // closed, or failed: the next message tries again
	}
	c.table = t
}

// readTable reads every name of the store into a new table; gen is the
// generation of changes it includes at least.
func (s *Store) readTable(gen uint64) (*lexTable, error) {
	t := &lexTable{lex: parser.NewTable(int(s.lexRecords()) * 2), gen: gen}
	err := s.View(System, func(tx *Tx) error { return tx.fillTable(t) })
	if err != nil {
		return nil, err
	}
	return t, nil
}

// lexRecords estimates how many records a lexicon build reads: the highest
// ids of accounts, contacts and users (cheap: no scan).
func (s *Store) lexRecords() uint64 {
	var n uint64
	s.eng.View(context.Background(), func(etx ETx) error {
		for _, k := range []Kind{KindAccount, KindContact, KindUser} {
			n += uint64(etx.LastID(k))
		}
		return nil
	})
	return n
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// addLexRecord adds the names of r to l when the transaction's actor sees it.
func addLexRecord(l *parser.Lexicon, tx *Tx, r Record) {
	if !tx.canRead(r) || inactiveForLookup(r) {
		return
	}
	switch v := r.(type) {
	case *Account:
		l.Add(v.Name, parser.NameAccount)
		for _, a := range v.Aliases {
			l.Add(a, parser.NameAccount)
		}
	case *Contact:
		l.Add(v.Name, parser.NameContact)
	case *User:
		l.Add(v.Name, parser.NameUser)
	}
}

// lexRec is the part of an account, contact or user a lexicon needs: reading
// only these fields is several times quicker than decoding the records.
type lexRec struct {
	Owner    int64    `json:"owner"`
	Branch   string   `json:"branch"`
	Dept     string   `json:"dept"`
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	Aliases  []string `json:"aliases"`
	Removed  bool     `json:"removed"`
	Disabled bool     `json:"disabled"`
}

// fillTable adds every name of the store to t, each with its group.
func (tx *Tx) fillTable(t *lexTable) error {
	kinds := []struct {
		k    Kind
		kind parser.NameKind
	}{{KindAccount, parser.NameAccount}, {KindContact, parser.NameContact}, {KindUser, parser.NameUser}}
	groups := map[lexGroup]uint32{}
	for _, kk := range kinds {
		tx.etx.Scan(kk.k, func(_ int64, v []byte) bool {
			var r lexRec
			if err := json.Unmarshal(v, &r); err != nil {
				return true
			}
			if r.Removed || r.Disabled {
				return true
			}
			gr := lexGroup{kk.k, ownerOf{r.Owner, r.Branch, r.Dept}}
			if kk.k == KindUser {
				gr.o.User = r.ID
			}
			g, ok := groups[gr]
			if !ok {
				g = uint32(len(t.groups))
				groups[gr] = g
				t.groups = append(t.groups, gr)
			}
			t.lex.AddTo(r.Name, kk.kind, g)
			for _, a := range r.Aliases {
				t.lex.AddTo(a, kk.kind, g)
			}
			return true
		})
	}
	return tx.etx.Err()
}
