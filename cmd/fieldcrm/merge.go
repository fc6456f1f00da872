package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

// runMerge puts a duplicate account or contact into the record kept.
func runMerge(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("merge", "merge account|contact KEEP OTHER [--db PATH]", `
Puts OTHER (a duplicate) into KEEP and deletes OTHER. An account's contacts,
opportunities, activities, machines and documents move to KEEP, its name
becomes an alias and its phones are added; a contact's activities and deal
roles move to KEEP, which takes OTHER's phone, e-mail and title where it has
none. Everything moved keeps its history, and OTHER's history stays too.
fieldcrm import lists likely duplicates after an import.`)
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 3 {
		return usageError(fs, stderr, "give account or contact, the id to keep and the id to merge into it")
	}
	var kind crm.Kind
	switch strings.ToLower(pos[0]) {
	case "account", "accounts":
		kind = crm.KindAccount
	case "contact", "contacts":
		kind = crm.KindContact
	default:
		return usageError(fs, stderr, "merge accounts or contacts, not %q", pos[0])
	}
	var ids [2]int64
	for i, v := range pos[1:] {
		id, err := strconv.ParseInt(strings.TrimPrefix(v, "#"), 10, 64)
		if err != nil || id <= 0 {
			return usageError(fs, stderr, "%q is not a record id", v)
		}
		ids[i] = id
	}
	s, ok := openStore(fs, *db, stderr)
	if !ok {
		return 1
	}
	defer s.Close()
	var res *crm.MergeResult
	var keep, other string
	_, err := s.Update(ctx, meta("admin", "merge", args), func(tx *crm.Tx) error {
		for i, id := range ids {
			r, err := tx.Get(kind, id)
			if err != nil {
				return err
			}
			name := ""
			switch v := r.(type) {
			case *crm.Account:
				name = v.Name
			case *crm.Contact:
				name = v.Name
			}
			if i == 0 {
				keep = name
			} else {
				other = name
			}
		}
		var err error
		if kind == crm.KindAccount {
			res, err = tx.MergeAccounts(ids[0], ids[1])
		} else {
			res, err = tx.MergeContacts(ids[0], ids[1])
		}
		return err
	})
	if err != nil {
		return fail(stderr, "merge", err)
	}
	var moved []string
	for _, k := range []crm.Kind{crm.KindContact, crm.KindOpp, crm.KindActivity, crm.KindEquipment, crm.KindDocument, crm.KindAccount, crm.KindLead} {
		if n := res.Moved[k]; n > 0 {
			moved = append(moved, fmt.Sprintf("%d %s", n, kindPlural(k, n)))
		}
	}
	what := "nothing else pointed at it"
	if len(moved) > 0 {
		what = "moved " + strings.Join(moved, ", ")
	}
	fmt.Fprintf(stdout, "merged %s #%d %s into #%d %s: %s", kind, ids[1], other, ids[0], keep, what)
	if res.Dropped > 0 {
		fmt.Fprintf(stdout, "; %d %s on file at both kept once", res.Dropped, plural(res.Dropped, "machine", "machines"))
	}
	fmt.Fprintf(stdout, ". #%d is deleted; its history is kept.\n", ids[1])
	if kind == crm.KindAccount {
		// the two accounts' contacts may be one person twice
		var cids []int64
		s.View(crm.System, func(tx *crm.Tx) error {
			cs, err := tx.ContactsOf(ids[0])
			for _, c := range cs {
				cids = append(cids, c.ID)
			}
			return err
		})
		if dups, err := csvio.LikelyDuplicates(s, "contacts", cids); err == nil {
			for _, d := range dups {
				fmt.Fprintf(stdout, "  likely the same person: #%d %s and #%d %s, %s (fieldcrm merge contact %d %d)\n", d.A, d.NameA, d.B, d.NameB, d.Why, d.A, d.B)
			}
		}
	}
	return 0
}

func kindPlural(k crm.Kind, n int) string {
	switch k {
	case crm.KindOpp:
		return plural(n, "opportunity", "opportunities")
	case crm.KindActivity:
		return plural(n, "activity", "activities")
	case crm.KindEquipment:
		return plural(n, "machine", "machines")
	case crm.KindAccount:
		return plural(n, "child account", "child accounts")
	case crm.KindLead:
		return plural(n, "converted lead", "converted leads")
	}
	return plural(n, string(k), string(k)+"s")
}
