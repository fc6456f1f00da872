package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// A misspelt verb that clearly means one verb is carried out, and the reply
// starts by saying how it was read; two equally near verbs are asked about
// and nothing is stored; text not understood is kept as a note and the
// reply says so (issue 13 points 2 and "never wrong with an OK").
func TestSMSReadAs(t *testing.T) {
	db := e2eDemoDB(t)
	wang := "+8613800000002"
	sms := func(text string) string { // the reply; exit 1 says it was refused
		t.Helper()
		out, errOut, code := runCmd(t, "sms", "--db", db, "--from", wang, text)
		if code > 1 {
			t.Fatalf("%q: exit %d: %s", text, code, errOut)
		}
		return out
	}

	t.Run("TypoCarriedOut", func(t *testing.T) {
		before := e2eDBCounts(t, db)
		out := sms("VSIT acme transport; met Zhang Wei; wants 2x 336")
		m := regexp.MustCompile(`(?m)^Read "VSIT" as VISIT\. OK visit #(\d+) ACME Transport, Zhang Wei\. UNDO to undo$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("reply %q", out)
		}
		after := e2eDBCounts(t, db)
		if after["activity"] != before["activity"]+1 {
			t.Errorf("activities %d → %d, want one more", before["activity"], after["activity"])
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		s, err := openDB(db, crm.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		e2eView(t, s, func(tx *crm.Tx) error {
			a, err := tx.Activity(id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Type != "visit" || !strings.Contains(a.Notes, "wants 2x 336") {
				t.Errorf("stored %+v, want a visit with the notes", a)
			}
			return nil
		})
	})

	t.Run("UndoAsAnyChange", func(t *testing.T) {
		before := e2eDBCounts(t, db)
		if out := sms("cll acme mining; Zhang; wants price"); !strings.HasPrefix(out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:], `Read "cll" as CALL. OK call #`) {
			t.Fatalf("reply %q", out)
		}
		if after := e2eDBCounts(t, db); after["activity"] != before["activity"]+1 {
			t.Fatalf("activities %d → %d, want one more", before["activity"], after["activity"])
		}
		if out := sms("UNDO"); !strings.Contains(out, "Undone") && !strings.Contains(out, "undone") {
			t.Errorf("UNDO reply %q", out)
		}
		if after := e2eDBCounts(t, db); after["activity"] != before["activity"] {
			t.Errorf("activities %d after UNDO, want %d", after["activity"], before["activity"])
		}
	})

	t.Run("TwoVerbsClose", func(t *testing.T) {
		before := e2eDBCounts(t, db)
		out := sms("dic 5")
		if !strings.Contains(out, "DONE or DOC") {
			t.Errorf("reply %q, want the question DONE or DOC", out)
		}
		after := e2eDBCounts(t, db)
		for k, n := range before {
			if after[k] != n && k != "gw/claims" {
				t.Errorf("%s: %d → %d, want nothing stored", k, n, after[k])
			}
		}
	})

	t.Run("KeptAsNote", func(t *testing.T) {
		out := sms("ACCT acme mining phone 024-22334455 ask for the front desk")
		if !regexp.MustCompile(`(?m)^OK account #1 ACME Mining: phone 02422334455 \(the old one kept in its history\)\. UNDO to undo\. Kept as note: "ask for the front desk"\.$`).MatchString(out) {
			t.Errorf("reply %q, want it to say what was kept as a note", out)
		}
		s, err := openDB(db, crm.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		e2eView(t, s, func(tx *crm.Tx) error {
			a, err := tx.Account(1)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(a.Phones, " "), "2422334455") || !strings.Contains(a.Background.FuturePlans, "ask for the front desk") {
				t.Errorf("stored %+v, want the new phone and the note", a)
			}
			return nil
		})
	})
}
