package crm

import (
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/parser"
)

// resolving names

// resolve finds the one record of kind k named by ref. A close call between
// several becomes a numbered choice.
func (tx *Tx) resolve(k Kind, ref *parser.Ref, field, hint string) (Record, error) {
	if ref == nil || ref.ID == 0 && strings.TrimSpace(ref.Name) == "" {
		return nil, Errorf(EINVALID, "Which %s?", kindName(k)).withHint(hint)
	}
	if ref.ID != 0 {
		return tx.Get(k, ref.ID)
	}
	cands, err := tx.Lookup(k, ref.Name, 5)
	if err != nil {
		return nil, err
	}
	switch {
	case len(cands) == 0:
		return nil, Errorf(ENOTFOUND, "No %s matches %q.", kindName(k), ref.Name).withHint(notFoundHint(k, ref.Name))
	case Ambiguous(cands):
		n := 1
		for n < len(cands) && cands[n].Score >= cands[0].Score*0.8 {
			n++
		}
		return nil, &needChoice{field: field, word: ref.Name, cands: cands[:min(n, 4)]}
	}
	return tx.Get(k, cands[0].ID)
}

func notFoundHint(k Kind, name string) string {
	switch k {
	case KindAccount:
		return "FIND " + name + " or ACCOUNT <name>; <contact> <phone>"
	case KindUser:
		return "the user's name or #id"
	case KindCampaign:
		return "RESP <campaign>; <name>; <phone>"
	}
	return "FIND " + name
}

func (tx *Tx) resolveAccount(ref *parser.Ref, hint string) (*Account, error) {
	r, err := tx.resolve(KindAccount, ref, "target", hint)
	if err != nil {
		return nil, err
	}
	return r.(*Account), nil
}

func (tx *Tx) resolveUser(name string) (*User, error) {
	name = strings.TrimSpace(name)
	ref := &parser.Ref{Name: name}
	if id, ok := parseRef(name); ok {
		ref = &parser.Ref{ID: id}
	}
	r, err := tx.resolve(KindUser, ref, "assignee", "ASSIGN #17 <name>")
	if err != nil {
		return nil, err
	}
	return r.(*User), nil
}

// resolveActivity reads the activity named by #id (a name is looked up among
// the actor's open activities by their account).
func (tx *Tx) resolveActivity(ref *parser.Ref, hint string) (*Activity, error) {
	if ref == nil {
		return nil, Errorf(EINVALID, "Which activity? Give its #id.").withHint(hint)
	}
	if ref.ID != 0 && ref.Kind != "account" { // an account: chosen by number after "DONE acme"
		if ref.Kind != "" && ref.Kind != "activity" {
			return nil, Errorf(EINVALID, "#%d is %s, not an activity.", ref.ID, article(ref.Kind)).withHint(hint)
		}
		return tx.Activity(ref.ID)
	}
	acct, err := tx.resolveAccount(ref, hint)
	if err != nil {
		return nil, err
	}
	var open []*Activity
	for _, id := range tx.linked(acct.ID, KindActivity) {
		if a, err := loadAs[Activity](tx, id); err == nil && a.Status == StatusOpen && a.Owner == tx.meta.Actor.ID {
			open = append(open, a)
		}
	}
	switch len(open) {
	case 0:
		return nil, Errorf(ENOTFOUND, "You have no open activity at %s.", acct.Name).withHint("TODAY for your list")
	case 1:
		return open[0], nil
	}
	var cands []Candidate
	for _, a := range open[:min(len(open), 4)] {
		cands = append(cands, Candidate{Kind: KindActivity, ID: a.ID, Name: a.Subject})
	}
	return nil, &needChoice{field: "target", word: ref.Name, cands: cands}
}

// contactAt finds the contact named name at account (nil when none
// matches): the whole name, else the first whose name starts with it or
// contains it ("zhang" finds Zhang Wei). It reads only the account's contacts.
func (tx *Tx) contactAt(account int64, name string) *Contact {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil
	}
	if id, ok := parseRef(name); ok {
		if c, err := tx.Contact(id); err == nil && c.Account == account {
			return c
		}
		return nil
	}
	want := flatName(name)
	if want == "" {
		return nil
	}
	var prefix, inside *Contact
	for _, id := range tx.linked(account, KindContact) {
		c, err := loadAs[Contact](tx, id)
		if err != nil || c.Removed || !tx.canRead(c) {
			continue
		}
		got := flatName(c.Name)
		switch {
		case got == want:
			return c
		case prefix == nil && strings.HasPrefix(got, want):
			prefix = c
		case inside == nil && strings.Contains(got, want):
			inside = c
		}
	}
	if prefix != nil {
		return prefix
	}
	if inside != nil {
		return inside
	}
	return tx.contactBySurname(account, name)
}

// zhTitles are the titles said after a surname: 李总, 王工, 张经理.
var zhTitles = []string{"总经理", "经理", "主任", "总监", "科长", "处长", "部长", "厂长", "队长", "书记", "主管", "老板", "师傅", "先生", "女士", "小姐", "老师", "总", "工", "董"}

// contactBySurname finds the one contact at the account a surname with a
// title means (李总 → 李刚, Mr Sun → Sun Li); none when it is not one name
// or when two contacts there share the surname.
func (tx *Tx) contactBySurname(account int64, name string) *Contact {
	surname := ""
	if f := strings.Fields(strings.ToLower(name)); len(f) == 2 && (f[0] == "mr" || f[0] == "mr." || f[0] == "ms" || f[0] == "ms." || f[0] == "mrs" || f[0] == "miss") {
		surname = f[1]
	} else if r := []rune(name); len(r) >= 2 && r[0] >= 0x4E00 {
		for _, t := range zhTitles {
			if string(r[1:]) == t {
				surname = string(r[0])
				break
			}
		}
		if surname == "" && len(r) == 2 && (r[0] == '老' || r[0] == '小') {
			surname = string(r[1]) // 老陈, 小王
		}
	}
	if surname == "" {
		return nil
	}
	var found *Contact
	for _, id := range tx.linked(account, KindContact) {
		c, err := loadAs[Contact](tx, id)
		if err != nil || c.Removed || !tx.canRead(c) {
			continue
		}
		n := strings.ToLower(strings.TrimSpace(c.Name))
		f := strings.Fields(n)
		match := strings.HasPrefix(n, surname) && n[0] >= 0x80 // 李刚
		if len(f) >= 2 && (f[0] == surname || f[len(f)-1] == surname) {
			match = true // Sun Li, Li Sun
		}
		if match {
			if found != nil {
				return nil // two of that name: the salesman must say which
			}
			found = c
		}
	}
	return found
}

func (tx *Tx) userName(id int64) string {
	if id == 0 {
		return ""
	}
	if u, err := tx.user(id); err == nil {
		return u.Name
	}
	return fmt.Sprintf("#%d", id)
}

func (tx *Tx) accountName(id int64) string {
	if id == 0 {
		return ""
	}
	if a, err := loadAs[Account](tx, id); err == nil {
		return a.Name
	}
	return ""
}
