package csvio

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/xuri/excelize/v2"
)

// ctx is what a column needs to read or write a cell: the transaction, the
// store's time zone and, on import, the whole row.
type ctx struct {
	tx  *crm.Tx
	loc *time.Location
	row map[string]string // column → cell (import)
	has map[string]bool   // columns present in the file

	// import: the row was taken for stored record matchedID (how: matched);
	// savedID is the record the row was saved as
	matched            string
	matchedID, savedID int64

	// export: the first contact of the account being written
	contactOf int64
	contact   *crm.Contact
}

// column is one named column of a kind: how to write it (get) and how to
// read it back into a record (set).
type column struct {
	name       string
	get        func(x *ctx, r crm.Record) string
	set        func(x *ctx, r crm.Record, v string) error // nil: handled by the kind's save
	createOnly bool                                       // read only when the row creates a record
	noImport   bool                                       // exported for information; ignored on import
	noExport   bool                                       // accepted on import only
}

// base returns the common part of a record.
func base(r crm.Record) *crm.Base {
	switch v := r.(type) {
	case *crm.User:
		return &v.Base
	case *crm.Account:
		return &v.Base
	case *crm.Contact:
		return &v.Base
	case *crm.Lead:
		return &v.Base
	case *crm.Opportunity:
		return &v.Base
	case *crm.Activity:
		return &v.Base
	case *crm.Equipment:
		return &v.Base
	}
	panic(fmt.Sprintf("csvio: no base for %T", r))
}

func strCol[T any](name string, f func(*T) *string) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string { return *f(any(r).(*T)) },
		set: func(x *ctx, r crm.Record, v string) error { *f(any(r).(*T)) = strings.TrimSpace(v); return nil },
	}
}

// splitList splits a ";" list (also the full-width "；"), dropping empty items.
func splitList(v string) []string {
	v = strings.ReplaceAll(v, "；", ";")
	var out []string
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func listCol[T any](name string, f func(*T) *[]string) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string { return strings.Join(*f(any(r).(*T)), "; ") },
		set: func(x *ctx, r crm.Record, v string) error { *f(any(r).(*T)) = splitList(v); return nil },
	}
}

// phone reads one phone number; mobile asks for a mobile (or foreign) number.
// crm says what is wrong with a number that is not valid.
func phone(col, v string, mobile bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	p, err := crm.ParsePhone(v)
	if err != nil {
		return "", crmCellError(col, err)
	}
	if mobile {
		if err := crm.CheckMobile(p, v); err != nil {
			return "", crmCellError(col, err)
		}
	}
	return p.E164, nil
}

// anyPhone reads a number that may be a mobile or a landline (电话 in a
// contacts file, 联系电话 in an accounts file) and says which it is.
func anyPhone(col, v string) (stored string, isMobile bool, err error) {
	stored, err = phone(col, v, false)
	if err != nil || stored == "" {
		return stored, false, err
	}
	p, _ := crm.ParsePhone(v)
	return stored, crm.CheckMobile(p, v) == nil, nil
}

// setContactPhone files a contacts row's 电话 as the contact's mobile or
// landline, unless the row's own mobile or landline cell gives that one.
func setContactPhone(x *ctx, r crm.Record, v string) error {
	p, isMobile, err := anyPhone("phone", v)
	if err != nil || p == "" {
		return err
	}
	c := r.(*crm.Contact)
	switch {
	case isMobile && strings.TrimSpace(x.row["mobile"]) == "":
		c.Mobile = p
	case !isMobile && strings.TrimSpace(x.row["landline"]) == "":
		c.Landline = p
	}
	return nil
}

// displayPhone writes a stored number as people in China write it:
// 13901395136, 01085868466, 4008208820; foreign numbers keep their +.
func displayPhone(stored string) string { return crm.PhoneDisplay(stored) }

func phoneCol[T any](name string, mobile bool, f func(*T) *string) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string { return displayPhone(*f(any(r).(*T))) },
		set: func(x *ctx, r crm.Record, v string) error {
			p, err := phone(name, v, mobile)
			*f(any(r).(*T)) = p
			return err
		},
	}
}

func phonesCol[T any](name string, mobile bool, f func(*T) *[]string) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string {
			var s []string
			for _, p := range *f(any(r).(*T)) {
				s = append(s, displayPhone(p))
			}
			return strings.Join(s, "; ")
		},
		set: func(x *ctx, r crm.Record, v string) error {
			var out []string
			for _, s := range splitList(strings.ReplaceAll(v, ",", ";")) {
				p, err := phone(name, s, mobile)
				if err != nil {
					return err
				}
				out = append(out, p)
			}
			*f(any(r).(*T)) = out
			return nil
		},
	}
}

func parseBool(col, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "false", "no", "n", "0", "否":
		return false, nil
	case "true", "yes", "y", "1", "x", "是":
		return true, nil
	}
	return false, cellError(col, "%q is not yes or no", v)
}

func boolCol[T any](name string, f func(*T) *bool) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string {
			if *f(any(r).(*T)) {
				return "yes"
			}
			return ""
		},
		set: func(x *ctx, r crm.Record, v string) (err error) {
			*f(any(r).(*T)), err = parseBool(name, v)
			return err
		},
	}
}

func parseInt(col, v string) (int64, error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "#")
	if v == "" {
		return 0, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f == float64(int64(f)) && !strings.ContainsAny(v, "eE") {
		return int64(f), nil // Excel writes whole numbers as "42" or, rarely, "42.0"
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, cellError(col, "%q is not a whole number", v)
	}
	return n, nil
}

func intCol[T any](name string, f func(*T) *int) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string {
			if n := *f(any(r).(*T)); n != 0 {
				return strconv.Itoa(n)
			}
			return ""
		},
		set: func(x *ctx, r crm.Record, v string) error {
			n, err := parseInt(name, v)
			*f(any(r).(*T)) = int(n)
			return err
		},
	}
}

// refCol is a reference by id to a record of kind k (0 when empty). check
// says whether the import looks the record up (crm checks some itself).
func refCol[T any](name string, k crm.Kind, check bool, f func(*T) *int64) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string { return idString(*f(any(r).(*T))) },
		set: func(x *ctx, r crm.Record, v string) error {
			id, err := parseInt(name, v)
			if err != nil {
				return err
			}
			if id < 0 {
				return cellError(name, "%q is not an id", v)
			}
			if check && id != 0 {
				if _, err := x.tx.Get(k, id); err != nil {
					return cellError(name, "%q is not a %s id", v, kindWord(k))
				}
			}
			*f(any(r).(*T)) = id
			return nil
		},
	}
}

func kindWord(k crm.Kind) string {
	if k == crm.KindOpp {
		return "opportunity"
	}
	return string(k)
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// resolveUser finds a user by id, email or phone.
func resolveUser(tx *crm.Tx, col, v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	var u *crm.User
	var err error
	switch {
	case strings.Contains(v, "@"):
		u, err = tx.UserByEmail(v)
	case isID(v):
		u, err = tx.User(mustID(v))
	default:
		if _, isPhone := crm.NormalizePhone(v); isPhone {
			u, err = tx.UserByPhone(v)
		} else {
			var n int
			if u, n = userNamed(tx, v); n > 1 {
				return 0, cellError(col, "%q names %d users: give the e-mail or id", v, n)
			} else if u == nil {
				err = fmt.Errorf("no user named %q", v)
			}
		}
	}
	if err != nil {
		return 0, cellError(col, "%q is not a user (give a name, e-mail, phone or id)", v)
	}
	return u.ID, nil
}

// userNamed finds the user called name (as stored, case and spaces aside)
// and says how many have that name.
func userNamed(tx *crm.Tx, name string) (*crm.User, int) {
	cands, _ := tx.Lookup(crm.KindUser, name, 20)
	var found *crm.User
	n := 0
	for _, c := range cands {
		u, err := tx.User(c.ID)
		if err == nil && sameName(u.Name, name) {
			found = u
			n++
		}
	}
	return found, n
}

// isID reports whether v is a record id: "#12" or a number too short to be
// a phone number.
func isID(v string) bool {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "#") {
		v = v[1:]
	} else if _, ok := crm.NormalizePhone(v); ok {
		return false
	}
	if v == "" || len(v) > 18 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func mustID(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(v), "#"), 10, 64)
	return n
}

func userCol[T any](name string, f func(*T) *int64) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string { return idString(*f(any(r).(*T))) },
		set: func(x *ctx, r crm.Record, v string) (err error) {
			*f(any(r).(*T)), err = resolveUser(x.tx, name, v)
			return err
		},
	}
}

func usersCol[T any](name string, f func(*T) *[]int64) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string {
			var s []string
			for _, id := range *f(any(r).(*T)) {
				s = append(s, idString(id))
			}
			return strings.Join(s, "; ")
		},
		set: func(x *ctx, r crm.Record, v string) error {
			var ids []int64
			for _, s := range splitList(strings.ReplaceAll(v, ",", ";")) {
				id, err := resolveUser(x.tx, name, s)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			*f(any(r).(*T)) = ids
			return nil
		},
	}
}

// Money is written as a decimal with two places: 2400000.00.
func formatMoney(m crm.Money) string {
	if m == 0 {
		return ""
	}
	neg := ""
	if m < 0 {
		neg, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", neg, m/100, m%100)
}

var moneyRE = regexp.MustCompile(`^(-)?(\d+)(?:\.(\d{1,2}))?$`)

func parseMoney(col, v string) (crm.Money, error) {
	s := strings.NewReplacer(",", "", " ", "", "¥", "", "￥", "").Replace(strings.TrimSpace(v))
	if s == "" {
		return 0, nil
	}
	m := moneyRE.FindStringSubmatch(s)
	if m == nil || len(m[2]) > 15 {
		return 0, cellError(col, "%q is not an amount (write 2400000.00)", v)
	}
	n, _ := strconv.ParseInt(m[2], 10, 64)
	frac := m[3]
	for len(frac) < 2 {
		frac += "0"
	}
	c, _ := strconv.ParseInt(frac, 10, 64)
	n = n*100 + c
	if m[1] != "" {
		n = -n
	}
	return crm.Money(n), nil
}

func moneyCol[T any](name string, f func(*T) *crm.Money) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string { return formatMoney(*f(any(r).(*T))) },
		set: func(x *ctx, r crm.Record, v string) (err error) {
			*f(any(r).(*T)), err = parseMoney(name, v)
			return err
		},
	}
}

// formatTime writes a time in the store's zone, with its fractions of a
// second when it has any (so that an export read back is the same instant).
func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339Nano)
}

// formatDate writes a date as 2006-01-02 when it is a midnight in the
// store's zone, and as a time otherwise.
func formatDate(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	l := t.In(loc)
	if l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
		return l.Format("2006-01-02")
	}
	return formatTime(t, loc)
}

var timeLayouts = []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05", "2006/01/02", "2006/1/2", "2006-1-2"}

func parseTime(col, v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t, nil
		}
	}
	// an Excel date cell read raw is a day number (46006 = 2025-12-15)
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 && f < 200000 {
		if t, err := excelize.ExcelDateToTime(f, false); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), nil
		}
	}
	return time.Time{}, cellError(col, "%q is not a date (write 2006-01-02, or 2006-01-02T15:04:05+08:00 for a time)", v)
}

func timeCol[T any](name string, date bool, f func(*T) *time.Time) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string {
			if date {
				return formatDate(*f(any(r).(*T)), x.loc)
			}
			return formatTime(*f(any(r).(*T)), x.loc)
		},
		set: func(x *ctx, r crm.Record, v string) (err error) {
			*f(any(r).(*T)), err = parseTime(name, v, x.loc)
			return err
		},
	}
}

// jsonCol carries a record's own history as stored (JSON), so that a move
// to another database keeps it. It is read only when a record is created.
func jsonCol[T any, V any](name string, f func(*T) *[]V) column {
	return column{name: name, createOnly: true,
		get: func(x *ctx, r crm.Record) string {
			v := *f(any(r).(*T))
			if len(v) == 0 {
				return ""
			}
			b, _ := json.Marshal(v)
			return string(b)
		},
		set: func(x *ctx, r crm.Record, v string) error {
			p := f(any(r).(*T))
			if strings.TrimSpace(v) == "" {
				*p = nil
				return nil
			}
			var out []V
			if err := json.Unmarshal([]byte(v), &out); err != nil {
				return cellError(name, "is not the JSON list an export writes: %v", err)
			}
			*p = out
			return nil
		},
	}
}

var productRE = regexp.MustCompile(`^(\d+)\s*[xX×*]\s*(.+)$`)
var productRE2 = regexp.MustCompile(`^(.+?)\s*[xX×*]\s*(\d+)$`)

func formatProducts(ps []crm.ProductLine) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmt.Sprintf("%dx %s", p.Qty, p.Model)
	}
	return strings.Join(s, "; ")
}

func parseProducts(col, v string) ([]crm.ProductLine, error) {
	var out []crm.ProductLine
	for _, item := range splitList(v) {
		var qty, model string
		if m := productRE.FindStringSubmatch(item); m != nil {
			qty, model = m[1], m[2]
		} else if m := productRE2.FindStringSubmatch(item); m != nil {
			model, qty = m[1], m[2]
		} else {
			qty, model = "1", item
		}
		n, err := strconv.Atoi(qty)
		if err != nil || n <= 0 || strings.TrimSpace(model) == "" {
			return nil, cellError(col, "%q is not a product line (write 2x 320D)", item)
		}
		out = append(out, crm.ProductLine{Model: strings.TrimSpace(model), Qty: n})
	}
	return out, nil
}

// people are written "Li Wei:economic_buyer", with "#12 " before the name
// when the person is a contact on file.
func formatPeople(ps []crm.OppPerson) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Name + ":" + p.Role
		if p.Contact != 0 {
			s[i] = "#" + idString(p.Contact) + " " + s[i]
		}
	}
	return strings.Join(s, "; ")
}

var contactRefRE = regexp.MustCompile(`^#(\d+)\s+(.*)$`)

func parsePeople(col, v string) ([]crm.OppPerson, error) {
	var out []crm.OppPerson
	for _, item := range splitList(v) {
		item = strings.ReplaceAll(item, "：", ":")
		i := strings.LastIndexByte(item, ':')
		if i < 0 {
			return nil, cellError(col, "%q needs a role (write Li Wei:economic_buyer)", item)
		}
		p := crm.OppPerson{Name: strings.TrimSpace(item[:i]), Role: strings.TrimSpace(item[i+1:])}
		if m := contactRefRE.FindStringSubmatch(p.Name); m != nil {
			p.Contact, _ = strconv.ParseInt(m[1], 10, 64)
			p.Name = strings.TrimSpace(m[2])
		}
		if p.Name == "" {
			return nil, cellError(col, "%q needs a name (write Li Wei:economic_buyer)", item)
		}
		out = append(out, p)
	}
	return out, nil
}

// ErrText is what a person is told about err: crm's message and right form,
// or the whole error when it is not one of crm's refusals.
func ErrText(err error) string {
	if crm.ErrorCode(err) == crm.EINTERNAL {
		return err.Error()
	}
	msg := strings.TrimSuffix(crm.ErrorMessage(err), ".")
	var e *crm.Error
	if errors.As(err, &e) && e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}
