package crm

import (
	"strconv"
	"strings"
)

// The administrator's changes to users, shared by `fieldcrm user add|set`
// and the web console's user pages: the same fields, read the same way,
// checked by SaveUser's rules.

// UserChange is a change to a user: the fields that are not nil are set,
// as typed (Phones comma or semicolon separated; Manager an id, #id,
// e-mail or phone, or "none"/"" for no manager; Role any form ParseRole
// reads). The others keep their stored value.
type UserChange struct {
	Name, Phones, Email, Role, Branch, Dept, Manager, Locale, TZ *string
	Disabled, OptedOut                                           *bool
}

// Fields lists the names of the fields c sets, in a fixed order (for the
// summary of the change: "name, phones, role").
func (c UserChange) Fields() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"name", c.Name != nil}, {"phones", c.Phones != nil}, {"email", c.Email != nil}, {"role", c.Role != nil},
		{"branch", c.Branch != nil}, {"dept", c.Dept != nil}, {"manager", c.Manager != nil}, {"locale", c.Locale != nil},
		{"tz", c.TZ != nil}, {"disabled", c.Disabled != nil}, {"opted-out", c.OptedOut != nil}} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// SplitPhones reads a list of phones as typed: separated by commas or
// semicolons (also full-width), spaces around them ignored.
func SplitPhones(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '，' || r == '；' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ApplyUserChange sets the fields of c on u (not saved: SaveUser checks
// and stores it). A manager that is not a user is refused.
func (tx *Tx) ApplyUserChange(u *User, c UserChange) error {
	if c.Name != nil {
		u.Name = *c.Name
	}
	if c.Phones != nil {
		u.Phones = SplitPhones(*c.Phones)
	}
	if c.Email != nil {
		u.Email = *c.Email
	}
	if c.Role != nil {
		u.Role = Role(strings.TrimSpace(*c.Role))
		if r, ok := ParseRole(*c.Role); ok {
			u.Role = r
		}
	}
	if c.Branch != nil {
		u.Branch = strings.TrimSpace(*c.Branch)
	}
	if c.Dept != nil {
		u.Dept = strings.TrimSpace(*c.Dept)
	}
	if c.Manager != nil {
		m := strings.TrimSpace(*c.Manager)
		switch strings.ToLower(m) {
		case "", "none", "0", "-":
			u.Manager = 0
		default:
			mu, err := tx.FindUser(m)
			if err != nil {
				return Errorf(EINVALID, "Manager %q is not a user.", m)
			}
			u.Manager = mu.ID
		}
	}
	if c.Locale != nil {
		u.Locale = strings.ToLower(strings.TrimSpace(*c.Locale))
	}
	if c.TZ != nil {
		u.TZ = strings.TrimSpace(*c.TZ)
	}
	if c.Disabled != nil {
		u.Disabled = *c.Disabled
	}
	if c.OptedOut != nil {
		u.OptedOut = *c.OptedOut
	}
	return nil
}

// AddUser registers a new user with the fields of c.
func (tx *Tx) AddUser(c UserChange) (*User, error) {
	u := &User{}
	if err := tx.ApplyUserChange(u, c); err != nil {
		return nil, err
	}
	if err := tx.SaveUser(u); err != nil {
		return nil, err
	}
	return u, nil
}

// ChangeUser changes the fields of c on user id. Moving a user to another
// branch or department is refused (his records would not follow him yet).
func (tx *Tx) ChangeUser(id int64, c UserChange) (*User, error) {
	u, err := tx.User(id)
	if err != nil {
		return nil, err
	}
	if err := tx.ApplyUserChange(u, c); err != nil {
		return nil, err
	}
	wantBranch, wantDept := u.Branch, u.Dept
	if err := tx.SaveUser(u); err != nil {
		return nil, err
	}
	if u.Branch != wantBranch || u.Dept != wantDept {
		return nil, Errorf(ECONFLICT, "crm kept %s's branch and department (%s/%s): moving a user to another team is not supported yet.", u.Name, u.Branch, u.Dept)
	}
	return u, nil
}

// FindUser finds a user by id ("12" or "#12"), e-mail or phone.
func (tx *Tx) FindUser(ref string) (*User, error) {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, "@") {
		return tx.UserByEmail(ref)
	}
	id := strings.TrimPrefix(ref, "#")
	if _, isPhone := NormalizePhone(ref); (!isPhone || ref != id) && isAllDigits(id) {
		n, _ := strconv.ParseInt(id, 10, 64)
		return tx.User(n)
	}
	return tx.UserByPhone(ref)
}

func isAllDigits(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
