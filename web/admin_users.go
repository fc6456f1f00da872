package web

// /admin/users: the users, and adding, changing and disabling one through
// crm's AddUser/ChangeUser, the same code path as `fieldcrm user add|set`,
// recorded in history with channel "web" and the administrator as actor.

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

// UserRow is one user in the list.
type UserRow struct {
	*crm.User
	ManagerName string
	PhonesShown []string // as people write them
}

// AdminUsers is the users page.
type AdminUsers struct {
	Users []UserRow
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request, sess *Session) {
	var users []*crm.User
	err := s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(rec crm.Record) bool { users = append(users, rec.(*crm.User)); return true })
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	// the ones who work first, then by branch, department and name
	sort.Slice(users, func(i, j int) bool {
		a, b := users[i], users[j]
		if a.Disabled != b.Disabled {
			return !a.Disabled
		}
		if a.Branch != b.Branch {
			return a.Branch < b.Branch
		}
		if a.Dept != b.Dept {
			return a.Dept < b.Dept
		}
		return a.Name < b.Name
	})
	d := &AdminUsers{}
	for _, u := range users {
		row := UserRow{User: u, ManagerName: names[u.Manager]}
		for _, p := range u.Phones {
			row.PhonesShown = append(row.PhonesShown, crm.PhoneDisplay(p))
		}
		d.Users = append(d.Users, row)
	}
	s.render(w, r, sess, http.StatusOK, "admin_users", "admin", d)
}

// UserForm is the form that adds or changes a user: the values as typed.
type UserForm struct {
	ID                                                           int64
	Name, Phones, Email, Role, Branch, Dept, Manager, Locale, TZ string
	OptedOut, Disabled                                           bool
	Roles                                                        []crm.Role
	Managers                                                     []*crm.User
	Error                                                        string
}

func (s *Server) userForm(sess *Session, f *UserForm) error {
	f.Roles = crm.Roles
	return s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(rec crm.Record) bool {
			u := rec.(*crm.User)
			if u.ID != f.ID && (!u.Disabled || strconv.FormatInt(u.ID, 10) == f.Manager) {
				f.Managers = append(f.Managers, u)
			}
			return true
		})
	})
}

func (s *Server) adminUserNew(w http.ResponseWriter, r *http.Request, sess *Session) {
	f := &UserForm{Role: string(crm.RoleSalesman), Locale: "zh", Branch: sess.User.Branch}
	if err := s.userForm(sess, f); err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "admin_user", "admin", f)
}

func (s *Server) adminUserEdit(w http.ResponseWriter, r *http.Request, sess *Session) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return
	}
	var u *crm.User
	if err := s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
		var err error
		u, err = tx.User(id)
		return err
	}); err != nil {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return
	}
	f := &UserForm{ID: u.ID, Name: u.Name, Email: u.Email, Role: string(u.Role), Branch: u.Branch, Dept: u.Dept,
		Locale: u.Locale, TZ: u.TZ, OptedOut: u.OptedOut, Disabled: u.Disabled}
	var ph []string
	for _, p := range u.Phones {
		ph = append(ph, crm.PhoneDisplay(p))
	}
	f.Phones = strings.Join(ph, ", ")
	if u.Manager != 0 {
		f.Manager = strconv.FormatInt(u.Manager, 10)
	}
	if err := s.userForm(sess, f); err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "admin_user", "admin", f)
}

// adminUserSave adds a user (no id), changes one (the whole form), or
// disables / enables one (do=disable|enable, from the list).
func (s *Server) adminUserSave(w http.ResponseWriter, r *http.Request, sess *Session) {
	loc := localeOf(r, sess)
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	val := func(k string) *string { v := strings.TrimSpace(r.PostFormValue(k)); return &v }
	var c crm.UserChange
	switch do := r.PostFormValue("do"); do {
	case "disable", "enable":
		if id <= 0 {
			s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
			return
		}
		if id == sess.User.ID && do == "disable" {
			setFlash(w, s.word(loc, "admin.users.not_yourself"), "error", s.cfg.Secure)
			http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
			return
		}
		v := do == "disable"
		c.Disabled = &v
	default:
		optedOut := r.PostFormValue("opted_out") != ""
		c = crm.UserChange{Name: val("name"), Phones: val("phones"), Email: val("email"), Role: val("role"),
			Branch: val("branch"), Dept: val("dept"), Manager: val("manager"), Locale: val("locale"), TZ: val("tz"),
			OptedOut: &optedOut}
		if id != 0 {
			disabled := r.PostFormValue("disabled") != ""
			if id == sess.User.ID && disabled {
				s.userFormError(w, r, sess, id, s.word(loc, "admin.users.not_yourself"))
				return
			}
			c.Disabled = &disabled
		}
	}
	// what the change does, for its summary in history
	what := "add user"
	if id != 0 {
		changed, err := s.userChanges(sess, id, &c)
		if err != nil {
			s.userFormError(w, r, sess, id, s.errText(loc, err))
			return
		}
		if len(changed) == 0 {
			setFlash(w, s.word(loc, "admin.users.nothing"), "ok", s.cfg.Secure)
			http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
			return
		}
		what = fmt.Sprintf("user #%d: %s", id, strings.Join(changed, ", "))
		if c.Disabled != nil && len(changed) == 1 && changed[0] == "disabled" {
			what = fmt.Sprintf("user #%d %s", id, map[bool]string{true: "disabled", false: "enabled"}[*c.Disabled])
		}
	} else if c.Name != nil {
		what = "add user " + *c.Name
	}
	meta := crm.Meta{Actor: sess.User, Channel: "web", Summary: "web: " + what}
	var u *crm.User
	_, err := s.cfg.Store.Update(r.Context(), meta, func(tx *crm.Tx) error {
		var err error
		if id == 0 {
			u, err = tx.AddUser(c)
		} else {
			u, err = tx.ChangeUser(id, c)
		}
		return err
	})
	if err != nil {
		if crm.ErrorCode(err) == crm.EINTERNAL {
			s.internal(w, r, sess, err)
			return
		}
		if r.PostFormValue("do") != "" {
			setFlash(w, s.errText(loc, err), "error", s.cfg.Secure)
			http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
			return
		}
		s.userFormError(w, r, sess, id, s.errText(loc, err))
		return
	}
	s.cfg.Log.Info("web user change", slog.Int64("by_user_id", sess.User.ID), slog.Int64("user_id", u.ID), slog.String("what", what))
	msg := fmt.Sprintf(s.word(loc, "admin.users.saved"), u.Name, u.ID)
	if id == 0 {
		msg = fmt.Sprintf(s.word(loc, "admin.users.added"), u.Name, u.ID)
	} else if c.Disabled != nil && r.PostFormValue("do") != "" {
		key := "admin.users.enabled"
		if *c.Disabled {
			key = "admin.users.disabled_now"
		}
		msg = fmt.Sprintf(s.word(loc, key), u.Name)
	}
	setFlash(w, msg, "ok", s.cfg.Secure)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// userChanges lists the fields c changes on user id (read, not saved).
// Phones the form gives back as they were shown are left alone (a number
// stored before today's numbering plans is kept as it is).
func (s *Server) userChanges(sess *Session, id int64, c *crm.UserChange) ([]string, error) {
	var out []string
	err := s.cfg.Store.View(sess.User, func(tx *crm.Tx) error {
		old, err := tx.User(id)
		if err != nil {
			return err
		}
		u := *old
		u.Phones = slices.Clone(old.Phones)
		if c.Phones != nil {
			var shown []string
			for _, p := range old.Phones {
				shown = append(shown, crm.PhoneDisplay(p))
			}
			if slices.Equal(crm.SplitPhones(*c.Phones), shown) || slices.Equal(crm.SplitPhones(*c.Phones), old.Phones) {
				c.Phones = nil
			}
		}
		if err := tx.ApplyUserChange(&u, *c); err != nil {
			return err
		}
		normPhones := func(ps []string) []string {
			var out []string
			for _, p := range ps {
				if n, err := crm.ParsePhone(p); err == nil {
					p = n.E164
				}
				out = append(out, p)
			}
			return out
		}
		for _, f := range []struct {
			name string
			same bool
		}{{"name", u.Name == old.Name}, {"phones", slices.Equal(normPhones(u.Phones), old.Phones)},
			{"email", strings.EqualFold(u.Email, old.Email)}, {"role", u.Role == old.Role}, {"branch", u.Branch == old.Branch},
			{"dept", u.Dept == old.Dept}, {"manager", u.Manager == old.Manager},
			{"locale", u.Locale == old.Locale || u.Locale == "" && old.Locale == "en"}, {"tz", u.TZ == old.TZ},
			{"opted-out", u.OptedOut == old.OptedOut}, {"disabled", u.Disabled == old.Disabled}} {
			if !f.same {
				out = append(out, f.name)
			}
		}
		return nil
	})
	return out, err
}

// userFormError shows the form again with what was typed and why it was
// refused; nothing was stored.
func (s *Server) userFormError(w http.ResponseWriter, r *http.Request, sess *Session, id int64, msg string) {
	f := &UserForm{ID: id, Name: r.PostFormValue("name"), Phones: r.PostFormValue("phones"), Email: r.PostFormValue("email"),
		Role: r.PostFormValue("role"), Branch: r.PostFormValue("branch"), Dept: r.PostFormValue("dept"),
		Manager: r.PostFormValue("manager"), Locale: r.PostFormValue("locale"), TZ: r.PostFormValue("tz"),
		OptedOut: r.PostFormValue("opted_out") != "", Disabled: r.PostFormValue("disabled") != "", Error: msg}
	if err := s.userForm(sess, f); err != nil {
		s.internal(w, r, sess, err)
		return
	}
	w.Header().Set("X-Fieldcrm-Refused", "user")
	s.render(w, r, sess, http.StatusUnprocessableEntity, "admin_user", "admin", f)
}

// errText is crm's refusal in the reader's language (its English words
// when the catalogue has no form for it), with the right form.
func (s *Server) errText(loc string, err error) string {
	var e *crm.Error
	if !errors.As(err, &e) || s.cfg.Templates == nil {
		return csvio.ErrText(err)
	}
	msg, ok := s.cfg.Templates.Refusal(loc, e.Format, e.Args)
	if !ok {
		return csvio.ErrText(err)
	}
	if e.Hint != "" {
		msg = strings.TrimRight(msg, ".。") + " (" + s.cfg.Templates.Hint(loc, e.Hint) + ")"
	}
	return msg
}
