package csvio

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// spec is the file layout of one kind of record and how a row is saved.
type spec struct {
	kind     crm.Kind
	name     string   // plural, as files and summaries name it
	required []string // columns the header must have
	cols     []column
	newRec   func() crm.Record
	// save writes rec (old is the stored version, nil on create).
	save func(x *ctx, rec, old crm.Record) (outcome, error)
	// match finds the stored record a row without an id is (0 when none),
	// and says how it matched; nil: rows without an id always create.
	match func(x *ctx) (int64, string)
	// keys and dep order rows that refer to each other within one file
	// (a user's manager, an account's parent): referenced rows go first.
	keys func(row map[string]string) []string
	dep  func(row map[string]string) string
}

type outcome int

const (
	created outcome = iota + 1
	updated
	unchanged
)

// Kinds are the kinds of record a file can hold, in the order a whole
// database is best moved (each refers only to kinds before it).
var Kinds = []string{"users", "accounts", "contacts", "leads", "opportunities", "activities", "equipment"}

// KindName returns the canonical name of a kind of file ("opps" →
// "opportunities", "account" → "accounts").
func KindName(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "opps", "opp", "opportunity":
		return "opportunities", true
	case "user", "account", "contact", "lead", "activity":
		return s + "s", true
	case "activitys":
		return "", false
	}
	for _, k := range Kinds {
		if k == s {
			return k, true
		}
	}
	return "", false
}

func specFor(kind string) (*spec, bool) {
	name, ok := KindName(kind)
	if !ok {
		return nil, false
	}
	for _, sp := range specs {
		if sp.name == name {
			return sp, true
		}
	}
	return nil, false
}

// Columns returns the columns of a kind of file, as export writes them and
// import reads them (import also reads the import-only ones, listed second).
func Columns(kind string) (exported, importOnly []string) {
	sp, ok := specFor(kind)
	if !ok {
		return nil, nil
	}
	for _, c := range sp.cols {
		if c.noExport {
			importOnly = append(importOnly, c.name)
		} else {
			exported = append(exported, c.name)
		}
	}
	return exported, importOnly
}

var idColumn = column{name: "id", get: func(x *ctx, r crm.Record) string { return idString(base(r).ID) }}

func ownerColumn() column {
	return column{name: "owner",
		get: func(x *ctx, r crm.Record) string { return idString(base(r).Owner) },
		set: func(x *ctx, r crm.Record, v string) (err error) {
			base(r).Owner, err = resolveUser(x.tx, "owner", v)
			return err
		},
	}
}

func timesColumns() []column {
	c := column{name: "created", createOnly: true,
		get: func(x *ctx, r crm.Record) string { return formatTime(base(r).Created, x.loc) },
		set: func(x *ctx, r crm.Record, v string) (err error) {
			base(r).Created, err = parseTime("created", v, x.loc)
			return err
		},
	}
	u := column{name: "updated", noImport: true,
		get: func(x *ctx, r crm.Record) string { return formatTime(base(r).Updated, x.loc) }}
	return []column{c, u}
}

// enumCol is a text column whose empty cell keeps the stored value (crm
// gives a new record its default); norm, when set, reads the forms people
// write.
func enumCol[T any](name string, norm func(string) (string, bool), f func(*T) *string) column {
	return column{name: name,
		get: func(x *ctx, r crm.Record) string { return *f(any(r).(*T)) },
		set: func(x *ctx, r crm.Record, v string) error {
			v = strings.TrimSpace(v)
			if v == "" {
				return nil
			}
			if norm != nil {
				if n, ok := norm(v); ok {
					v = n
				}
			}
			*f(any(r).(*T)) = v // crm refuses what it does not know
			return nil
		},
	}
}

func lower(s string) (string, bool) { return strings.ToLower(s), true }

// zhRoles are the roles as a Chinese office names them.
var zhRoles = map[string]crm.Role{
	"销售": crm.RoleSalesman, "销售员": crm.RoleSalesman, "业务员": crm.RoleSalesman, "销售代表": crm.RoleSalesman,
	"客服": crm.RoleCSR, "客服代表": crm.RoleCSR,
	"销售经理": crm.RoleSalesManager, "分公司经理": crm.RoleBranchManager, "分公司总经理": crm.RoleBranchManager,
	"总监": crm.RoleDirector, "销售总监": crm.RoleDirector, "数据管理员": crm.RoleDataAdmin,
	"销售管理": crm.RoleSalesAdmin, "销售助理": crm.RoleSalesAdmin, "市场": crm.RoleMarketing, "市场部": crm.RoleMarketing,
	"信用": crm.RoleCredit, "信用部": crm.RoleCredit, "财务": crm.RoleCredit, "管理员": crm.RoleAdmin, "系统管理员": crm.RoleAdmin,
}

func parseRole(s string) (string, bool) {
	if r, ok := zhRoles[strings.TrimSpace(s)]; ok {
		return string(r), true
	}
	r, ok := crm.ParseRole(s)
	return string(r), ok
}

// parseLocale reads en and zh, also as 中文, 英文, chinese, english.
func parseLocale(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "中文", "汉语", "简体中文", "chinese", "zh-cn", "zh_cn":
		return "zh", true
	case "英文", "英语", "english", "en-us", "en_us", "en-gb":
		return "en", true
	}
	return strings.ToLower(s), true
}

// same reports whether two versions of a record are equal as stored (times
// compared as instants, whatever their zone).
func same(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	if string(ja) == string(jb) {
		return true
	}
	var va, vb any
	json.Unmarshal(ja, &va)
	json.Unmarshal(jb, &vb)
	return reflect.DeepEqual(instants(va), instants(vb))
}

// instants rewrites the times in a decoded JSON value in UTC, to the second
// (an Excel date cell keeps no fraction of a second).
func instants(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = instants(x)
		}
	case []any:
		for i, x := range v {
			v[i] = instants(x)
		}
	case string:
		if len(v) >= 20 && v[10] == 'T' {
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return t.UTC().Truncate(time.Second).Format(time.RFC3339)
			}
		}
	}
	return v
}

// accountOf is the account a record belongs to.
func accountOf(r crm.Record) int64 {
	switch v := r.(type) {
	case *crm.Contact:
		return v.Account
	case *crm.Opportunity:
		return v.Account
	case *crm.Activity:
		return v.Account
	case *crm.Equipment:
		return v.Account
	}
	return 0
}

// saveRecord saves through crm's rules; a new record without an owner gets
// its account's owner.
func saveRecord(x *ctx, rec, old crm.Record) (outcome, error) {
	if old != nil {
		if same(old, rec) {
			return unchanged, nil
		}
		return updated, x.tx.Save(rec)
	}
	b := base(rec)
	if b.Owner == 0 {
		if acc := accountOf(rec); acc != 0 {
			if a, err := x.tx.Account(acc); err == nil {
				b.Owner = a.Owner
			}
		}
	}
	return created, x.tx.Save(rec)
}

var specs = []*spec{usersSpec, accountsSpec, contactsSpec, leadsSpec, oppsSpec, activitiesSpec, equipmentSpec}

type tm = time.Time

type user = crm.User

var usersSpec = &spec{
	kind: crm.KindUser, name: "users", required: []string{"name"},
	newRec: func() crm.Record { return &crm.User{} },
	cols: append([]column{idColumn,
		strCol("name", func(u *user) *string { return &u.Name }),
		phonesCol("phones", true, func(u *user) *[]string { return &u.Phones }),
		strCol("email", func(u *user) *string { return &u.Email }),
		enumCol("role", parseRole, func(u *user) *string { return (*string)(&u.Role) }),
		strCol("branch", func(u *user) *string { return &u.Branch }),
		strCol("dept", func(u *user) *string { return &u.Dept }),
		userCol("manager", func(u *user) *int64 { return &u.Manager }),
		enumCol("locale", parseLocale, func(u *user) *string { return &u.Locale }),
		strCol("tz", func(u *user) *string { return &u.TZ }),
		boolCol("opted_out", func(u *user) *bool { return &u.OptedOut }),
		boolCol("disabled", func(u *user) *bool { return &u.Disabled }),
	}, timesColumns()...),
	save: func(x *ctx, rec, old crm.Record) (outcome, error) {
		if old != nil && same(old, rec) {
			return unchanged, nil
		}
		o := updated
		if old == nil {
			o = created
		}
		return o, x.tx.SaveUser(rec.(*crm.User))
	},
	keys: func(row map[string]string) []string {
		var k []string
		if id := strings.TrimSpace(row["id"]); id != "" {
			k = append(k, "id:"+strings.TrimPrefix(id, "#"))
		}
		if e := strings.ToLower(strings.TrimSpace(row["email"])); e != "" {
			k = append(k, "email:"+e)
		}
		for _, p := range splitList(strings.ReplaceAll(row["phones"], ",", ";")) {
			if n, ok := crm.NormalizePhone(p); ok {
				k = append(k, "phone:"+n.E164)
			}
		}
		return k
	},
	dep: func(row map[string]string) string {
		v := strings.TrimSpace(row["manager"])
		switch {
		case v == "":
			return ""
		case strings.Contains(v, "@"):
			return "email:" + strings.ToLower(v)
		case isID(v):
			return "id:" + strings.TrimPrefix(v, "#")
		}
		if n, ok := crm.NormalizePhone(v); ok {
			return "phone:" + n.E164
		}
		return ""
	},
}

type account = crm.Account

// firstContact is the contact an accounts file carries: the account's first
// one not removed (the first of all when every one was removed).
func firstContact(x *ctx, a *crm.Account) *crm.Contact {
	if x.contactOf == a.ID {
		return x.contact
	}
	x.contactOf, x.contact = a.ID, nil
	rs, _ := x.tx.LinkedTo(a.ID, crm.KindContact)
	for _, r := range rs {
		if c := r.(*crm.Contact); !c.Removed {
			x.contact = c
			break
		}
	}
	if x.contact == nil && len(rs) > 0 {
		x.contact = rs[0].(*crm.Contact)
	}
	return x.contact
}

func contactCol(name string, f func(c *crm.Contact) string) column {
	return column{name: name, get: func(x *ctx, r crm.Record) string {
		if c := firstContact(x, r.(*crm.Account)); c != nil {
			return f(c)
		}
		return ""
	}}
}

var accountsSpec = &spec{
	kind: crm.KindAccount, name: "accounts", required: []string{"name"},
	newRec: func() crm.Record { return &crm.Account{} },
	cols: append([]column{idColumn,
		strCol("name", func(a *account) *string { return &a.Name }),
		listCol("aliases", func(a *account) *[]string { return &a.Aliases }),
		phonesCol("phones", false, func(a *account) *[]string { return &a.Phones }),
		strCol("address", func(a *account) *string { return &a.Address }),
		strCol("city", func(a *account) *string { return &a.City }),
		strCol("industry", func(a *account) *string { return &a.Industry }),
		refCol("parent", crm.KindAccount, false, func(a *account) *int64 { return &a.Parent }),
		ownerColumn(),
		usersCol("team", func(a *account) *[]int64 { return &a.Team }),
		strCol("future_plans", func(a *account) *string { return &a.Background.FuturePlans }),
		strCol("influence", func(a *account) *string { return &a.Background.Influence }),
		strCol("assets", func(a *account) *string { return &a.Background.Assets }),
		strCol("cash_flow", func(a *account) *string { return &a.Background.CashFlow }),
		boolCol("blacklisted", func(a *account) *bool { return &a.Blacklisted }),
		enumCol("status", lower, func(a *account) *string { return &a.Status }),
		strCol("inactive_reason", func(a *account) *string { return &a.InactiveReason }),
		refCol("lead", crm.KindLead, false, func(a *account) *int64 { return &a.Lead }),
		contactCol("contact_id", func(c *crm.Contact) string { return idString(c.ID) }),
		contactCol("contact_name", func(c *crm.Contact) string { return c.Name }),
		contactCol("contact_mobile", func(c *crm.Contact) string { return displayPhone(c.Mobile) }),
		contactCol("contact_landline", func(c *crm.Contact) string { return displayPhone(c.Landline) }),
		contactCol("contact_title", func(c *crm.Contact) string { return c.Title }),
		{name: "contact_phone", noExport: true}, // mobile or landline, by the number
		jsonCol("phone_history", func(a *account) *[]crm.PhoneChange { return &a.PhoneHistory }),
	}, timesColumns()...),
	save:  saveAccount,
	match: matchAccount,
	keys: func(row map[string]string) []string {
		if id := strings.TrimSpace(row["id"]); id != "" {
			return []string{"id:" + strings.TrimPrefix(id, "#")}
		}
		return nil
	},
	dep: func(row map[string]string) string {
		if p := strings.TrimSpace(row["parent"]); p != "" {
			return "id:" + strings.TrimPrefix(p, "#")
		}
		return ""
	},
}

// saveAccount creates a new account together with the contact of the
// contact_* columns (crm wants every account created with a contact), or
// updates an account and, when the row names one, its contact.
func saveAccount(x *ctx, rec, old crm.Record) (outcome, error) {
	a := rec.(*crm.Account)
	cid, err := parseInt("contact_id", x.row["contact_id"])
	if err != nil {
		return 0, err
	}
	mobile, err := phone("contact_mobile", x.row["contact_mobile"], true)
	if err != nil {
		return 0, err
	}
	landline, err := phone("contact_landline", x.row["contact_landline"], false)
	if err != nil {
		return 0, err
	}
	hasMobile, hasLandline := x.has["contact_mobile"], x.has["contact_landline"]
	if v := strings.TrimSpace(x.row["contact_phone"]); v != "" {
		// 联系电话: the contact's mobile or landline, as the number says
		p, isMobile, err := anyPhone("contact_phone", v)
		if err != nil {
			return 0, err
		}
		switch {
		case isMobile && mobile == "":
			mobile, hasMobile = p, true
		case !isMobile && landline == "":
			landline, hasLandline = p, true
		}
	}
	name, title := strings.TrimSpace(x.row["contact_name"]), strings.TrimSpace(x.row["contact_title"])
	fill := func(c *crm.Contact) {
		for col, p := range map[string]*string{"contact_name": &c.Name, "contact_title": &c.Title} {
			if x.has[col] {
				*p = strings.TrimSpace(x.row[col])
			}
		}
		if hasMobile {
			c.Mobile = mobile
		}
		if hasLandline {
			c.Landline = landline
		}
	}
	named := cid != 0 || name != "" || mobile != "" || landline != "" || title != ""
	if old == nil {
		if name == "" {
			return 0, cellError("", "a new account needs its first contact: fill contact_name 联系人 (and contact_mobile 手机 or contact_landline 座机)")
		}
		c := &crm.Contact{}
		if cid != 0 {
			if existing, err := x.tx.Contact(cid); err == nil {
				c = existing
			} else {
				c.ID = cid
			}
		}
		fill(c)
		if c.Created.IsZero() {
			c.Created = a.Created // created in the same request as its account
		}
		return created, x.tx.CreateAccount(a, c)
	}
	out := unchanged
	if !same(old, a) {
		if err := x.tx.Save(a); err != nil {
			return 0, err
		}
		out = updated
	}
	if !named {
		return out, nil
	}
	var c *crm.Contact
	switch {
	case cid != 0:
		if existing, err := x.tx.Contact(cid); err == nil {
			c = existing
		} else {
			c = &crm.Contact{Base: crm.Base{ID: cid}}
		}
	default:
		cs, err := x.tx.ContactsOf(a.ID)
		if err != nil {
			return 0, err
		}
		for _, e := range cs {
			if strings.EqualFold(e.Name, name) {
				c = e
				break
			}
		}
		if c == nil {
			c = &crm.Contact{}
		}
	}
	before := *c
	isNew := c.Created.IsZero()
	fill(c)
	if isNew {
		c.Account, c.Owner = a.ID, a.Owner
		if err := x.tx.CreateContact(c); err != nil {
			return 0, err
		}
		return updated, nil
	}
	if !same(&before, c) {
		if err := x.tx.Save(c); err != nil {
			return 0, err
		}
		out = updated
	}
	return out, nil
}

type contact = crm.Contact

var contactsSpec = &spec{
	kind: crm.KindContact, name: "contacts", required: []string{"name"},
	newRec: func() crm.Record { return &crm.Contact{} },
	cols: append([]column{idColumn,
		accountCol(func(c *contact) *int64 { return &c.Account }),
		strCol("name", func(c *contact) *string { return &c.Name }),
		phoneCol("mobile", true, func(c *contact) *string { return &c.Mobile }),
		phoneCol("landline", false, func(c *contact) *string { return &c.Landline }),
		{name: "phone", noExport: true, set: setContactPhone},
		strCol("email", func(c *contact) *string { return &c.Email }),
		strCol("title", func(c *contact) *string { return &c.Title }),
		strCol("background", func(c *contact) *string { return &c.Background }),
		ownerColumn(),
		boolCol("removed", func(c *contact) *bool { return &c.Removed }),
		strCol("removed_reason", func(c *contact) *string { return &c.RemovedReason }),
		timeCol("removed_at", false, func(c *contact) *tm { return &c.RemovedAt }),
	}, timesColumns()...),
	save:  saveRecord,
	match: matchContact,
}

type lead = crm.Lead

var leadsSpec = &spec{
	kind: crm.KindLead, name: "leads",
	newRec: func() crm.Record { return &crm.Lead{} },
	cols: append([]column{idColumn,
		strCol("subject", func(l *lead) *string { return &l.Subject }),
		strCol("company", func(l *lead) *string { return &l.Company }),
		strCol("person", func(l *lead) *string { return &l.Person }),
		phoneCol("phone", false, func(l *lead) *string { return &l.Phone }),
		strCol("source", func(l *lead) *string { return &l.Source }),
		strCol("referrer", func(l *lead) *string { return &l.Referrer }),
		refCol("campaign", crm.KindCampaign, false, func(l *lead) *int64 { return &l.Campaign }),
		strCol("needs", func(l *lead) *string { return &l.Needs }),
		moneyCol("estimated_value", func(l *lead) *crm.Money { return &l.EstimatedValue }),
		enumCol("status", lower, func(l *lead) *string { return &l.Status }),
		strCol("reason", func(l *lead) *string { return &l.Reason }),
		ownerColumn(),
		timeCol("converted_at", false, func(l *lead) *tm { return &l.ConvertedAt }),
		refCol("conv_account", crm.KindAccount, false, func(l *lead) *int64 { return &l.ConvAccount }),
		refCol("conv_contact", crm.KindContact, false, func(l *lead) *int64 { return &l.ConvContact }),
		refCol("conv_opp", crm.KindOpp, false, func(l *lead) *int64 { return &l.ConvOpp }),
	}, timesColumns()...),
	save:  saveRecord,
	match: matchLead,
}

type opp = crm.Opportunity

var oppsSpec = &spec{
	kind: crm.KindOpp, name: "opportunities", required: []string{"account"},
	newRec: func() crm.Record { return &crm.Opportunity{} },
	cols: append([]column{idColumn,
		strCol("name", func(o *opp) *string { return &o.Name }),
		accountCol(func(o *opp) *int64 { return &o.Account }),
		refCol("lead", crm.KindLead, false, func(o *opp) *int64 { return &o.Lead }),
		refCol("campaign", crm.KindCampaign, true, func(o *opp) *int64 { return &o.Campaign }),
		enumCol("source", crm.ParseSource, func(o *opp) *string { return &o.Source }),
		strCol("category", func(o *opp) *string { return &o.Category }),
		{name: "products",
			get: func(x *ctx, r crm.Record) string { return formatProducts(r.(*opp).Products) },
			set: func(x *ctx, r crm.Record, v string) (err error) {
				r.(*opp).Products, err = parseProducts("products", v)
				return err
			}},
		moneyCol("amount", func(o *opp) *crm.Money { return &o.Amount }),
		intCol("probability", func(o *opp) *int { return &o.Probability }),
		timeCol("close", true, func(o *opp) *tm { return &o.Close }),
		timeCol("delivery", true, func(o *opp) *tm { return &o.Delivery }),
		strCol("needs", func(o *opp) *string { return &o.Needs }),
		strCol("strengths", func(o *opp) *string { return &o.Strengths }),
		strCol("weaknesses", func(o *opp) *string { return &o.Weaknesses }),
		listCol("competitors", func(o *opp) *[]string { return &o.Competitors }),
		{name: "people",
			get: func(x *ctx, r crm.Record) string { return formatPeople(r.(*opp).People) },
			set: func(x *ctx, r crm.Record, v string) (err error) {
				r.(*opp).People, err = parsePeople("people", v)
				return err
			}},
		{name: "stage",
			get: func(x *ctx, r crm.Record) string { return r.(*opp).Stage.String() },
			set: func(x *ctx, r crm.Record, v string) error {
				if strings.TrimSpace(v) == "" {
					return nil
				}
				s, ok := crm.ParseStage(v)
				if !ok {
					return cellError("stage", "%q is not a stage (identification, qualification, development, proposal, won, lost, nodeal or 1-7)", v)
				}
				r.(*opp).Stage = s
				return nil
			}},
		{name: "stage_reason", noExport: true}, // why the row moves the stage
		strCol("lost_to", func(o *opp) *string { return &o.LostTo }),
		strCol("lost_reason", func(o *opp) *string { return &o.LostReason }),
		timeCol("closed_at", false, func(o *opp) *tm { return &o.ClosedAt }),
		ownerColumn(),
		jsonCol("stage_history", func(o *opp) *[]crm.StageChange { return &o.StageHistory }),
	}, timesColumns()...),
	save: saveOpp,
}

// saveOpp moves an existing opportunity whose stage differs in the file
// through crm's stage rules (SetOppStage, with stage_reason or lost_reason as
// the reason) and then saves its other columns.
func saveOpp(x *ctx, rec, old crm.Record) (outcome, error) {
	o := rec.(*crm.Opportunity)
	if old == nil {
		return saveRecord(x, rec, old)
	}
	p := old.(*crm.Opportunity)
	if o.Stage == p.Stage {
		return saveRecord(x, rec, old)
	}
	reason := strings.TrimSpace(x.row["stage_reason"])
	if reason == "" && o.Stage == crm.StageLost {
		reason = o.LostReason
	}
	moved, err := x.tx.SetOppStage(o.ID, crm.StageMove{To: o.Stage, Reason: reason, Competitor: o.LostTo})
	if err != nil {
		return 0, err
	}
	// what the stage move decides, unless the file says otherwise
	o.StageHistory = moved.StageHistory
	if !x.has["probability"] || o.Probability == p.Probability {
		o.Probability = moved.Probability
	}
	if !x.has["competitors"] || slices.Equal(o.Competitors, p.Competitors) {
		o.Competitors = moved.Competitors
	}
	if !x.has["closed_at"] || o.ClosedAt.Equal(p.ClosedAt) {
		o.ClosedAt = moved.ClosedAt
	}
	if o.Stage != crm.StageLost {
		o.LostTo, o.LostReason = moved.LostTo, moved.LostReason
	}
	if same(moved, o) {
		return updated, nil
	}
	return updated, x.tx.Save(o)
}

type activity = crm.Activity

var activitiesSpec = &spec{
	kind: crm.KindActivity, name: "activities", required: []string{"type"},
	newRec: func() crm.Record { return &crm.Activity{} },
	cols: append([]column{idColumn,
		enumCol("type", crm.ParseActivityType, func(a *activity) *string { return &a.Type }),
		strCol("subject", func(a *activity) *string { return &a.Subject }),
		strCol("notes", func(a *activity) *string { return &a.Notes }),
		accountCol(func(a *activity) *int64 { return &a.Account }),
		refCol("contact", crm.KindContact, false, func(a *activity) *int64 { return &a.Contact }),
		refCol("opp", crm.KindOpp, false, func(a *activity) *int64 { return &a.Opp }),
		refCol("lead", crm.KindLead, false, func(a *activity) *int64 { return &a.Lead }),
		ownerColumn(),
		userCol("assigned_by", func(a *activity) *int64 { return &a.AssignedBy }),
		timeCol("assigned_at", false, func(a *activity) *tm { return &a.AssignedAt }),
		timeCol("due", true, func(a *activity) *tm { return &a.Due }),
		enumCol("priority", lower, func(a *activity) *string { return &a.Priority }),
		enumCol("status", lower, func(a *activity) *string { return &a.Status }),
		strCol("outcome", func(a *activity) *string { return &a.Outcome }),
		timeCol("done_at", false, func(a *activity) *tm { return &a.DoneAt }),
		refCol("follow_up_of", crm.KindActivity, false, func(a *activity) *int64 { return &a.FollowUpOf }),
		refCol("reassigned_to", crm.KindActivity, false, func(a *activity) *int64 { return &a.ReassignedTo }),
		refCol("reassigned_of", crm.KindActivity, false, func(a *activity) *int64 { return &a.ReassignedOf }),
		timeCol("escalated", false, func(a *activity) *tm { return &a.Escalated }),
	}, timesColumns()...),
	save: saveRecord,
}

type equipment = crm.Equipment

var equipmentSpec = &spec{
	kind: crm.KindEquipment, name: "equipment", required: []string{"account", "brand", "model"},
	newRec: func() crm.Record { return &crm.Equipment{} },
	cols: append([]column{idColumn,
		accountCol(func(e *equipment) *int64 { return &e.Account }),
		strCol("brand", func(e *equipment) *string { return &e.Brand }),
		strCol("model", func(e *equipment) *string { return &e.Model }),
		strCol("serial", func(e *equipment) *string { return &e.Serial }),
		intCol("smu", func(e *equipment) *int { return &e.SMU }),
		timeCol("smu_at", false, func(e *equipment) *tm { return &e.SMUAt }),
		strCol("gps", func(e *equipment) *string { return &e.GPS }),
		strCol("location", func(e *equipment) *string { return &e.Location }),
		intCol("year", func(e *equipment) *int { return &e.Year }),
		timeCol("bought", true, func(e *equipment) *tm { return &e.Bought }),
		timeCol("delivered", true, func(e *equipment) *tm { return &e.Delivered }),
		strCol("condition", func(e *equipment) *string { return &e.Condition }),
		strCol("repair_needs", func(e *equipment) *string { return &e.RepairNeeds }),
		ownerColumn(),
		jsonCol("history", func(e *equipment) *[]crm.EqReading { return &e.History }),
		func() column {
			c := strCol("note", func(e *equipment) *string { return &e.Note })
			c.noExport = true
			return c
		}(),
	}, timesColumns()...),
	save:  saveRecord,
	match: matchEquipment,
}
