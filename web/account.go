package web

// The account page: the customer, its people, machines (with their SMU and
// condition over time), opportunities, activities and documents, and the
// history of every change with the message that made it. Its forms (change
// the phone, add a contact, log a visit) are the SMS commands ACCT, CONTACT
// and VISIT, carried out by the pipeline on channel "web".

import (
	"errors"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

func init() {
	pageRegistry = append(pageRegistry, func(s *Server) {
		s.handle("GET /account/{id}", s.account)
		s.handle("GET /account/{id}/doc/{doc}", s.accountDoc)
		s.handle("POST /account/{id}/phone", s.accountPhone)
		s.handle("POST /account/{id}/contact", s.accountContact)
		s.handle("POST /account/{id}/visit", s.accountVisit)
	})
}

const (
	historyPerPage = 20 // change sets on one page of the history
	openShown      = 20 // open activities listed
	doneShown      = 10 // finished activities listed (the newest)
)

// AccountView is what the account page shows.
type AccountView struct {
	A         *crm.Account
	Owner     string
	Phones    []string // as people write them
	OldPhones []OldPhone
	Contacts  []ContactRow
	Equipment []EqRow
	Opps      []OppRow
	Open      []ActRow
	OpenMore  int // open activities not listed
	Done      []ActRow
	DoneMore  int // older finished activities not listed
	Docs      []*crm.Document
	History   []HistRow
	Page      int
	Newer     string // link to the newer page of history ("" on the first)
	Older     string // link to the older page ("" on the last)
	CanWrite  bool   // may change the account and its contacts
}

// OldPhone is a number the account had.
type OldPhone struct {
	Old, New string
	At       time.Time
	By       string
}

// ContactRow is one contact.
type ContactRow struct {
	ID                            int64
	Name, Title, Mobile, Landline string
	Email                         string
}

// EqRow is one machine with its readings, newest first.
type EqRow struct {
	ID        int64
	Label     string
	Serial    string
	SMU       int
	Condition string
	Location  string
	Readings  []Reading
}

// Reading is a machine's SMU, condition and location as one change left them.
type Reading struct {
	At        time.Time
	Who       string
	Channel   string
	SMU       int
	Condition string
	Location  string
}

// OppRow is one opportunity.
type OppRow struct {
	ID     int64
	Name   string
	Stage  crm.Stage
	Amount crm.Money
	Close  time.Time
	Owner  string
}

// ActRow is one activity.
type ActRow struct {
	ID      int64
	Type    string
	Subject string
	Status  string
	Due     time.Time
	HasTime bool
	DoneAt  time.Time
	Outcome string
	Owner   string
	Contact string
	Urgent  bool
}

// HistRow is one change set: when, who, through which channel, the message
// and what it changed.
type HistRow struct {
	ID       int64
	At       time.Time
	Who      string
	Channel  string // a phrase key: ch.sms, ch.email, ch.web, …
	Summary  string
	UndoOf   int64
	UndoneBy int64
	Changes  []ChangeRow
}

// ChangeRow is one record's change.
type ChangeRow struct {
	Kind   string
	ID     int64
	Op     string
	Label  string
	Fields []FieldRow
}

// FieldRow is one field's old and new value.
type FieldRow struct {
	Name, Old, New string
}

// pathID reads a positive id from the path.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, sess *Session) {
	id, ok := pathID(r, "id")
	if !ok {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	v, err := s.accountView(sess.User, localeOf(r, sess), id, page)
	if errors.Is(err, errHidden) {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return
	}
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "account", "", v)
}

// errHidden: no such record, or one the user may not see (the same answer).
var errHidden = errors.New("web: not found")

// readable reports whether err is crm's "no such record that you can see".
func hidden(err error) bool {
	var ce *crm.Error
	return errors.As(err, &ce) && (ce.Code == crm.ENOTFOUND || ce.Code == crm.EFORBIDDEN)
}

// accountView reads account id as u.
func (s *Server) accountView(u *crm.User, locale string, id int64, page int) (*AccountView, error) {
	loc := u.Location(s.cfg.Store.Location())
	v := &AccountView{Page: page}
	err := s.cfg.Store.View(u, func(tx *crm.Tx) error {
		a, err := tx.Account(id)
		if err != nil {
			if hidden(err) {
				return errHidden
			}
			return err
		}
		names := userNames{tx: tx}
		v.A, v.Owner, v.CanWrite = a, names.of(a.Owner), tx.CanWrite(a)
		for _, p := range a.Phones {
			v.Phones = append(v.Phones, crm.PhoneDisplay(p))
		}
		for i := len(a.PhoneHistory) - 1; i >= 0; i-- {
			h := a.PhoneHistory[i]
			v.OldPhones = append(v.OldPhones, OldPhone{Old: crm.PhoneDisplay(h.Old), New: crm.PhoneDisplay(h.New), At: h.At.In(loc), By: names.of(h.By)})
		}
		contacts, err := tx.ContactsOf(id)
		if err != nil {
			return err
		}
		cname := map[int64]string{}
		for _, c := range contacts {
			cname[c.ID] = c.Name
			v.Contacts = append(v.Contacts, ContactRow{ID: c.ID, Name: c.Name, Title: c.Title, Email: c.Email,
				Mobile: crm.PhoneDisplay(c.Mobile), Landline: crm.PhoneDisplay(c.Landline)})
		}
		if err := s.equipmentRows(tx, v, id, loc, names); err != nil {
			return err
		}
		opps, err := tx.LinkedTo(id, crm.KindOpp)
		if err != nil {
			return err
		}
		for _, r := range opps {
			o := r.(*crm.Opportunity)
			v.Opps = append(v.Opps, OppRow{ID: o.ID, Name: o.Name, Stage: o.Stage, Amount: o.Amount, Close: o.Close.In(loc), Owner: names.of(o.Owner)})
		}
		slices.SortStableFunc(v.Opps, func(x, y OppRow) int {
			if cx, cy := x.Stage.Closed(), y.Stage.Closed(); cx != cy {
				if cx {
					return 1
				}
				return -1
			}
			return int(y.ID - x.ID)
		})
		acts, err := tx.LinkedTo(id, crm.KindActivity)
		if err != nil {
			return err
		}
		var open, done []ActRow
		for _, r := range acts {
			x := r.(*crm.Activity)
			it := tx.ItemOf(x)
			row := ActRow{ID: x.ID, Type: x.Type, Subject: x.Subject, Status: x.Status, Due: x.Due.In(loc), HasTime: it.HasTime,
				DoneAt: x.DoneAt.In(loc), Outcome: x.Outcome, Owner: names.of(x.Owner), Contact: cname[x.Contact],
				Urgent: x.Priority == crm.PriorityUrgent}
			if x.Status == crm.StatusOpen {
				open = append(open, row)
			} else {
				if row.DoneAt.IsZero() {
					row.DoneAt = x.Updated.In(loc)
				}
				done = append(done, row)
			}
		}
		slices.SortStableFunc(open, func(x, y ActRow) int { return x.Due.Compare(y.Due) })
		slices.SortStableFunc(done, func(x, y ActRow) int {
			if c := y.DoneAt.Compare(x.DoneAt); c != 0 {
				return c
			}
			return int(y.ID - x.ID)
		})
		v.Open, v.OpenMore = capRows(open, openShown)
		v.Done, v.DoneMore = capRows(done, doneShown)
		docs, err := tx.LinkedTo(id, crm.KindDocument)
		if err != nil {
			return err
		}
		for _, r := range docs {
			v.Docs = append(v.Docs, r.(*crm.Document))
		}
		h, err := tx.HistoryOfAccount(id, (page-1)*historyPerPage, historyPerPage)
		if err != nil {
			return err
		}
		d := differ{tx: tx, loc: loc, locale: locale, names: names, account: a}
		for _, cs := range h.Sets {
			v.History = append(v.History, d.row(cs))
		}
		base := "/account/" + strconv.FormatInt(id, 10)
		if page > 1 {
			v.Newer = base
			if page > 2 {
				v.Newer += "?page=" + strconv.Itoa(page-1)
			}
			v.Newer += "#history"
		}
		if h.More {
			v.Older = base + "?page=" + strconv.Itoa(page+1) + "#history"
		}
		return nil
	})
	return v, err
}

func capRows(rows []ActRow, n int) ([]ActRow, int) {
	if len(rows) <= n {
		return rows, 0
	}
	return rows[:n], len(rows) - n
}

// equipmentRows lists the account's machines, each with its SMU, condition
// and location as every change to it left them (its history of change sets).
func (s *Server) equipmentRows(tx *crm.Tx, v *AccountView, account int64, loc *time.Location, names userNames) error {
	eqs, err := tx.EquipmentOf(account)
	if err != nil {
		return err
	}
	for _, e := range eqs {
		row := EqRow{ID: e.ID, Label: e.Brand + " " + e.Model, Serial: e.Serial, SMU: e.SMU, Condition: e.Condition, Location: e.Location}
		hist, err := tx.HistoryOfRecord(crm.KindEquipment, e.ID)
		if err != nil {
			return err
		}
		var prev *crm.Equipment
		for _, cs := range hist {
			for _, ch := range cs.Changes {
				if ch.Kind != crm.KindEquipment || ch.ID != e.ID || ch.After == nil {
					continue
				}
				var cur crm.Equipment
				if jsonUnmarshal(ch.After, &cur) != nil {
					continue
				}
				if prev != nil && prev.SMU == cur.SMU && prev.Condition == cur.Condition && prev.Location == cur.Location {
					continue
				}
				row.Readings = append(row.Readings, Reading{At: cs.At.In(loc), Who: names.of(cs.User), Channel: channelKey(cs.Channel),
					SMU: cur.SMU, Condition: cur.Condition, Location: cur.Location})
				prev = &cur
			}
		}
		slices.Reverse(row.Readings)
		v.Equipment = append(v.Equipment, row)
	}
	return nil
}

// userNames names users for display, whatever the reader may see of them:
// the name of whoever made a change he may see is part of that change.
type userNames struct {
	tx    *crm.Tx
	cache map[int64]string
}

func (n *userNames) of(id int64) string {
	if id == 0 {
		return ""
	}
	if s, ok := n.cache[id]; ok {
		return s
	}
	name := "#" + strconv.FormatInt(id, 10)
	if u, err := n.tx.Recipient(id); err == nil {
		name = u.Name
	}
	if n.cache == nil {
		n.cache = map[int64]string{}
	}
	n.cache[id] = name
	return name
}

// channelKey is the phrase naming a change set's channel.
func channelKey(ch string) string {
	switch ch {
	case "sms", "email", "web", "import", "cli":
		return "ch." + ch
	case "":
		return "ch.system"
	}
	return "ch.other"
}

// accountDoc sends a document of the account, when the user may see it.
func (s *Server) accountDoc(w http.ResponseWriter, r *http.Request, sess *Session) {
	id, ok1 := pathID(r, "id")
	docID, ok2 := pathID(r, "doc")
	if !ok1 || !ok2 {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return
	}
	var doc *crm.Document
	var data []byte
	err := s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
		if _, err := tx.Account(id); err != nil {
			return err
		}
		d, b, err := tx.DocumentData(docID)
		if err != nil {
			return err
		}
		if d.Account != id {
			return errHidden
		}
		doc, data = d, append([]byte(nil), b...)
		return nil
	})
	if err != nil {
		if errors.Is(err, errHidden) || hidden(err) {
			s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
			return
		}
		s.internal(w, r, sess, err)
		return
	}
	ct := doc.ContentType
	if mt, _, err := mime.ParseMediaType(ct); ct == "" || err != nil || mt == "" {
		ct = mime.TypeByExtension(strings.ToLower(path.Ext(doc.Name)))
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "private, no-store")
	// always a download: a stored HTML or SVG file never runs as our page
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": doc.Name}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// writable checks, before any command is carried out, that the user may see
// the account of the form (a forged id gets the page's 404 and nothing is
// done) and returns it.
func (s *Server) formAccount(w http.ResponseWriter, r *http.Request, sess *Session) (*crm.Account, bool) {
	id, ok := pathID(r, "id")
	var a *crm.Account
	if ok {
		err := s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
			var err error
			a, err = tx.Account(id)
			return err
		})
		if err != nil && !hidden(err) {
			s.internal(w, r, sess, err)
			return nil, false
		}
	}
	if a == nil {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return nil, false
	}
	return a, true
}

func accountPath(id int64) string { return "/account/" + strconv.FormatInt(id, 10) }

// accountPhone changes the account's phone: ACCT #id phone <number>.
func (s *Server) accountPhone(w http.ResponseWriter, r *http.Request, sess *Session) {
	a, ok := s.formAccount(w, r, sess)
	if !ok {
		return
	}
	phone := oneLine(r.PostFormValue("phone"))
	if phone == "" {
		http.Redirect(w, r, accountPath(a.ID), http.StatusSeeOther)
		return
	}
	s.doAndBack(w, r, sess, "ACCT #"+strconv.FormatInt(a.ID, 10)+" phone "+plain(phone), accountPath(a.ID))
}

// accountContact adds a contact: CONTACT <account>; <name>; <phone>; <title>.
// CONTACT #id names a contact, so the account is named by its name.
func (s *Server) accountContact(w http.ResponseWriter, r *http.Request, sess *Session) {
	a, ok := s.formAccount(w, r, sess)
	if !ok {
		return
	}
	name := plain(r.PostFormValue("name"))
	if name == "" {
		http.Redirect(w, r, accountPath(a.ID), http.StatusSeeOther)
		return
	}
	cmd := "CONTACT " + plain(a.Name) + "; " + name
	if p := plain(r.PostFormValue("phone")); p != "" {
		cmd += "; " + p
	}
	if t := plain(r.PostFormValue("title")); t != "" {
		cmd += "; " + t
	}
	s.doAndBack(w, r, sess, cmd, accountPath(a.ID))
}

// accountVisit logs a visit: VISIT #id; met <contact>; <notes>; next: <what> <when>.
func (s *Server) accountVisit(w http.ResponseWriter, r *http.Request, sess *Session) {
	a, ok := s.formAccount(w, r, sess)
	if !ok {
		return
	}
	cmd := "VISIT #" + strconv.FormatInt(a.ID, 10)
	if c := plain(r.PostFormValue("contact")); c != "" {
		cmd += "; met " + c
	}
	if n := oneLine(r.PostFormValue("notes")); n != "" {
		cmd += "; " + n
	}
	if n := oneLine(r.PostFormValue("next")); n != "" {
		cmd += "; next: " + n
	}
	s.doAndBack(w, r, sess, cmd, accountPath(a.ID))
}

// plain makes a name or value one part of a command: the separators of the
// message language become spaces, so "Li, Wei" stays one name.
func plain(v string) string {
	v = strings.Map(func(r rune) rune {
		switch r {
		case ';', '；', '/', ',', '，', '、', '。', '\n', '\r', '\t':
			return ' '
		}
		return r
	}, v)
	return oneLine(v)
}
