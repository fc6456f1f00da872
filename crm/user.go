package crm

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// Role is what a user does; access levels are set per role.
type Role string

const (
	RoleSalesman      Role = "salesman"       // machines or parts salesman
	RoleCSR           Role = "csr"            // customer service representative
	RoleSalesManager  Role = "sales_manager"  // branch sales manager
	RoleBranchManager Role = "branch_manager" // branch manager
	RoleDirector      Role = "director"       // branch or sales director
	RoleDataAdmin     Role = "data_admin"     // data administrator
	RoleSalesAdmin    Role = "sales_admin"    // sales administration
	RoleMarketing     Role = "marketing"      // marketing staff
	RoleCredit        Role = "credit"         // credit department
	RoleAdmin         Role = "admin"          // system administrator
)

// Roles lists every role.
var Roles = []Role{RoleSalesman, RoleCSR, RoleSalesManager, RoleBranchManager, RoleDirector,
	RoleDataAdmin, RoleSalesAdmin, RoleMarketing, RoleCredit, RoleAdmin}

// ParseRole returns the role named s (case-insensitive, "-" or " " for "_").
func ParseRole(s string) (Role, bool) {
	s = strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	for _, r := range Roles {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// IsManager reports whether the role manages people: approves, assigns,
// receives escalations.
func (r Role) IsManager() bool {
	switch r {
	case RoleSalesManager, RoleBranchManager, RoleDirector, RoleAdmin:
		return true
	}
	return false
}

// User is a registered person: the only kind of sender fieldcrm answers.
type User struct {
	Base
	Name     string   `json:"name"`
	Phones   []string `json:"phones,omitempty"` // E.164
	Email    string   `json:"email,omitempty"`  // lower case
	Role     Role     `json:"role"`
	Manager  int64    `json:"manager,omitempty"`
	Locale   string   `json:"locale"` // "en" or "zh"
	TZ       string   `json:"tz,omitempty"`
	OptedOut bool     `json:"opted_out,omitempty"` // replied STOP or Twilio 21610: send no SMS
	Disabled bool     `json:"disabled,omitempty"`  // left the company: treated as unknown
}

func (*User) RecordKind() Kind { return KindUser }
func (u *User) label() string  { return u.Name }

// A user is "owned" by himself: D-level readers are his branch and department.
func (u *User) ownedBy() ownerOf { return ownerOf{u.ID, u.Branch, u.Dept} }

func (u *User) indexes() []IndexEntry {
	return append(u.uniqueEntries(), nameEntries(KindUser, u.ID, u.Name, nil, nil)...)
}

// uniqueEntries are the user's phones and e-mail: each is one user's.
func (u *User) uniqueEntries() []IndexEntry {
	var ix []IndexEntry
	for _, p := range u.Phones {
		ix = append(ix, IndexEntry{Index: IxUserPhone, Key: []byte(p), Unique: true})
	}
	if u.Email != "" {
		ix = append(ix, IndexEntry{Index: IxUserEmail, Key: []byte(u.Email), Unique: true})
	}
	return ix
}

// Location returns the user's time zone, or def when none or an unknown one is set.
func (u *User) Location(def *time.Location) *time.Location {
	if u.TZ != "" {
		if l, err := time.LoadLocation(u.TZ); err == nil {
			return l
		}
	}
	return def
}

// System is the actor of the command line and the scheduler: access level A
// for everything, id 0.
var System = &User{Base: Base{ID: 0}, Name: "system", Role: RoleAdmin, Locale: "en"}

func (u *User) validate(kept []string) error {
	u.Name = strings.TrimSpace(u.Name)
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Name == "" {
		return Errorf(EINVALID, "A user needs a name.")
	}
	if len(u.Phones) == 0 && u.Email == "" {
		return Errorf(EINVALID, "User %s needs a phone or an email.", u.Name)
	}
	for i, p := range u.Phones {
		if slices.Contains(kept, p) {
			continue // already stored (see normalizePhones)
		}
		n, err := ParsePhone(p)
		if e := (*Error)(nil); errors.As(err, &e) && !strings.Contains(e.Format, " in use") {
			// not a number at all: say what a user's phone must be
			return Errorf(EINVALID, "User phone %q is not a mobile number.", p).withHint("+8613901234567 or 13901234567")
		} else if err != nil {
			return err // a number no one has (140…, +1 999…): say why
		}
		if err := n.notSMS(p); err != nil {
			return err
		}
		u.Phones[i] = n.E164
	}
	if u.Email != "" && !validEmail(u.Email) {
		return Errorf(EINVALID, "User email %q is not an address.", u.Email)
	}
	role, ok := ParseRole(string(u.Role))
	if !ok {
		return Errorf(EINVALID, "Unknown role %q.", u.Role).withHint(rolesHint())
	}
	u.Role = role // the policy is keyed by the canonical name
	switch u.Locale {
	case "":
		u.Locale = "en"
	case "en", "zh":
	default:
		return Errorf(EINVALID, "Locale must be en or zh, not %q.", u.Locale)
	}
	if u.TZ != "" {
		if _, err := time.LoadLocation(u.TZ); err != nil {
			return Errorf(EINVALID, "Unknown time zone %q.", u.TZ).withHint("e.g. Asia/Shanghai")
		}
	}
	if u.Role != RoleAdmin && u.Role != RoleDirector && (u.Branch == "" || u.Dept == "") {
		return Errorf(EINVALID, "User %s needs a branch and a department.", u.Name)
	}
	return nil
}

func rolesHint() string {
	s := make([]string, len(Roles))
	for i, r := range Roles {
		s[i] = string(r)
	}
	return "one of " + strings.Join(s, ", ")
}

func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-3 && strings.IndexByte(s[at:], '.') > 0 && !strings.ContainsAny(s, " \t<>,;")
}
