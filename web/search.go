package web

// Search: accounts and contacts by name or phone digits, with the same fuzzy
// lookup as FIND by SMS (crm's Lookup: misspellings, parts of Chinese names,
// phone fragments), as the signed-in user: what he may not see is not found.

import (
	"net/http"
	"strings"

	"github.com/fieldcrm/fieldcrm/crm"
)

func init() {
	pageRegistry = append(pageRegistry, func(s *Server) {
		s.handle("GET /search", s.search)
	})
}

// searchLimit is the most results of each kind.
const searchLimit = 10

// SearchView is the search page.
type SearchView struct {
	Query    string
	Accounts []SearchAccount
	Contacts []SearchContact
}

// SearchAccount is one account found.
type SearchAccount struct {
	ID       int64
	Name     string
	City     string
	Industry string
	Phones   []string
	Owner    string
	Inactive bool
}

// SearchContact is one contact found, with his account.
type SearchContact struct {
	ID          int64
	Name        string
	Title       string
	Phone       string
	Account     int64 // 0 when the account is not his to open
	AccountName string
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, sess *Session) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len([]rune(q)) > 100 {
		q = string([]rune(q)[:100])
	}
	v, err := s.searchView(sess.User, q)
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "search", "", v)
}

// searchView looks q up as u.
func (s *Server) searchView(u *crm.User, q string) (*SearchView, error) {
	v := &SearchView{Query: q}
	if q == "" {
		return v, nil
	}
	err := s.cfg.Store.View(u, func(tx *crm.Tx) error {
		names := userNames{tx: tx}
		accts, err := tx.Lookup(crm.KindAccount, q, searchLimit)
		if err != nil {
			return err
		}
		for _, c := range accts {
			a, err := tx.Account(c.ID)
			if err != nil {
				continue // Lookup keeps only what he may read; never show more
			}
			sa := SearchAccount{ID: a.ID, Name: a.Name, City: a.City, Industry: a.Industry, Owner: names.of(a.Owner),
				Inactive: a.Status == crm.AccountInactive}
			for _, p := range a.Phones {
				sa.Phones = append(sa.Phones, crm.PhoneDisplay(p))
			}
			v.Accounts = append(v.Accounts, sa)
		}
		contacts, err := tx.Lookup(crm.KindContact, q, searchLimit)
		if err != nil {
			return err
		}
		for _, c := range contacts {
			ct, err := tx.Contact(c.ID)
			if err != nil || ct.Removed {
				continue
			}
			sc := SearchContact{ID: ct.ID, Name: ct.Name, Title: ct.Title, Phone: crm.PhoneDisplay(ct.Mobile)}
			if sc.Phone == "" {
				sc.Phone = crm.PhoneDisplay(ct.Landline)
			}
			if a, err := tx.Account(ct.Account); err == nil {
				sc.Account, sc.AccountName = a.ID, a.Name
			}
			v.Contacts = append(v.Contacts, sc)
		}
		return nil
	})
	return v, err
}
