package web

// The account page's history: each change set as a row, each record's change
// as its fields' old and new values, written as people read them (phones as
// they are dialled, amounts as money, times in the reader's zone, users by
// name).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/templates"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

type differ struct {
	tx      *crm.Tx
	loc     *time.Location
	locale  string
	names   userNames
	account *crm.Account
}

// maxFields bounds the fields listed for one record's change; a creation
// lists its first values only (the record's page or row shows the rest).
const (
	maxFields       = 14
	maxCreateFields = 6
)

// fieldOrder puts the fields people look for first; the rest follow by name.
var fieldOrder = []string{"name", "subject", "type", "status", "stage", "phones", "mobile", "landline", "email", "title",
	"address", "city", "industry", "owner", "amount", "probability", "close", "due", "done_at", "outcome", "notes",
	"brand", "model", "serial", "smu", "condition", "location", "products"}

// skipped are bookkeeping fields, or lists whose news the other fields say.
var skipped = map[string]bool{"id": true, "created": true, "updated": true, "branch": true, "dept": true,
	"history": true, "phone_history": true, "stage_history": true, "smu_at": true, "escalated": true, "acked": true,
	"sha256": true}

func (d *differ) row(cs *crm.ChangeSet) HistRow {
	h := HistRow{ID: cs.ID, At: cs.At.In(d.loc), Who: d.names.of(cs.User), Channel: channelKey(cs.Channel),
		Summary: cs.Summary, UndoOf: cs.UndoOf, UndoneBy: cs.UndoneBy}
	if cs.User == 0 {
		h.Who = templates.WebText(d.locale, "acct.system")
	}
	for _, ch := range cs.Changes {
		h.Changes = append(h.Changes, d.change(ch))
	}
	return h
}

func (d *differ) change(ch crm.Change) ChangeRow {
	row := ChangeRow{Kind: string(ch.Kind), ID: ch.ID, Op: ch.Op}
	var before, after map[string]json.RawMessage
	json.Unmarshal(ch.Before, &before)
	json.Unmarshal(ch.After, &after)
	src := after
	if src == nil {
		src = before
	}
	row.Label = label(src)
	if ch.Op == crm.OpDelete {
		return row
	}
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		if !skipped[k] {
			names = append(names, k)
		}
	}
	rank := func(k string) int {
		if i := slices.Index(fieldOrder, k); i >= 0 {
			return i
		}
		return len(fieldOrder)
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := rank(a) - rank(b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, k := range names {
		if bytes.Equal(before[k], after[k]) {
			continue
		}
		o, n := d.value(k, before[k]), d.value(k, after[k])
		if o == n {
			continue
		}
		if len(row.Fields) == maxFields || ch.Op == crm.OpCreate && len(row.Fields) == maxCreateFields {
			row.Fields = append(row.Fields, FieldRow{Name: "…"})
			break
		}
		row.Fields = append(row.Fields, FieldRow{Name: d.fieldName(k), Old: o, New: n})
	}
	return row
}

// label names a record from its stored value.
func label(m map[string]json.RawMessage) string {
	str := func(k string) string {
		var s string
		json.Unmarshal(m[k], &s)
		return s
	}
	for _, k := range []string{"name", "subject"} {
		if s := str(k); s != "" {
			return s
		}
	}
	return strings.TrimSpace(str("brand") + " " + str("model"))
}

func (d *differ) fieldName(k string) string {
	key := "field." + k
	if s := templates.WebText(d.locale, key); s != key {
		return s
	}
	return strings.ReplaceAll(k, "_", " ")
}

// value writes one stored field's value for a person.
func (d *differ) value(k string, raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	switch k {
	case "phones", "mobile", "landline":
		var list []string
		if json.Unmarshal(raw, &list) != nil {
			var one string
			json.Unmarshal(raw, &one)
			list = []string{one}
		}
		for i, p := range list {
			list[i] = crm.PhoneDisplay(p)
		}
		return strings.Join(list, ", ")
	case "owner", "assigned_by", "by", "requested_by":
		var id int64
		json.Unmarshal(raw, &id)
		return d.names.of(id)
	case "team":
		var ids []int64
		json.Unmarshal(raw, &ids)
		var out []string
		for _, id := range ids {
			out = append(out, d.names.of(id))
		}
		return strings.Join(out, ", ")
	case "amount":
		var v int64
		json.Unmarshal(raw, &v)
		if v == 0 {
			return ""
		}
		return templates.Money(v, d.locale)
	case "stage":
		var v int
		json.Unmarshal(raw, &v)
		return templates.Stage(v, d.locale)
	case "account":
		var id int64
		json.Unmarshal(raw, &id)
		if id == d.account.ID {
			return d.account.Name
		}
		return "#" + strconv.FormatInt(id, 10)
	case "status", "priority":
		var v string
		json.Unmarshal(raw, &v)
		if s := templates.WebText(d.locale, "value."+v); s != "value."+v {
			return s
		}
		return v
	case "type":
		var v string
		json.Unmarshal(raw, &v)
		return templates.Kind(v, d.locale)
	case "products":
		var ps []crm.ProductLine
		json.Unmarshal(raw, &ps)
		var out []string
		for _, p := range ps {
			out = append(out, fmt.Sprintf("%dx %s", p.Qty, p.Model))
		}
		return strings.Join(out, ", ")
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil && len(x) >= 20 {
			if t.IsZero() {
				return ""
			}
			t = t.In(d.loc)
			if t.Hour() == 0 && t.Minute() == 0 {
				return templates.Date(t, d.locale)
			}
			return templates.DateTime(t, d.locale)
		}
		return x
	case bool:
		if x {
			return templates.WebText(d.locale, "acct.yes")
		}
		return ""
	case float64:
		if x == 0 {
			return ""
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			} else {
				b, _ := json.Marshal(e)
				out = append(out, string(b))
			}
		}
		return truncRunes(strings.Join(out, ", "), 120)
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if s == "{}" {
		return ""
	}
	return truncRunes(s, 120)
}

func truncRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
