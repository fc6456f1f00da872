package crm_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/parser"
)

// apShanghai is the senders' zone in the Apply tests.
var apShanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// apT0 is when the Apply tests start: Wednesday 25 November 2026, 10:00 in Shenyang.
var apT0 = time.Date(2026, 11, 25, 10, 0, 0, 0, apShanghai)

// apAt is a local time in Shanghai.
func apAt(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, apShanghai)
}

// apWorld is the dealer of the Apply tests: branch shenyang/machines with
// manager Liu and salesmen Wang and Li (Li reads Chinese), branch dalian with
// its manager Sun and salesman Zhao, a director above the managers and a
// credit clerk in Shenyang. Accounts: "ACME Mining Co." (contact Zhang Wei)
// and "ACME Transport Ltd" (Chen Bo), both Wang's; "华鑫矿业有限公司" (李强),
// Li's; "Dalian Harbour Works" (Ma Lin), Zhao's. The fixture is written by the
// system, so no user has a change set of his own to undo.
type apWorld struct {
	t   *testing.T
	s   *crm.Store
	clk *testClock

	dir, credit, liu, wang, li, sun, zhao *crm.User

	acmeMining, acmeTransport, huaxin, dalian int64 // accounts
	zhangWei, chenBo, liQiang, maLin          int64 // their contacts
}

func apNewWorld(t *testing.T) *apWorld { return apNewWorldOpts(t, nil) }

// apNewWorldOpts builds the world on a store whose default zone is def (the
// store's default when nil).
func apNewWorldOpts(t *testing.T, def *time.Location) *apWorld {
	t.Helper()
	clk := &testClock{t: apT0}
	s, err := openTestStore(t, filepath.Join(t.TempDir(), "crm.db"), crm.Options{Now: clk.Now, NoSync: true, Location: def})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	w := &apWorld{t: t, s: s, clk: clk}
	mk := func(name, phone string, role crm.Role, branch, dept, locale string) *crm.User {
		return &crm.User{Name: name, Phones: []string{phone}, Email: strings.ReplaceAll(strings.ToLower(name), " ", ".") + "@dealer.cn",
			Role: role, Locale: locale, Base: crm.Base{Branch: branch, Dept: dept}}
	}
	w.dir = mk("Zhou Director", "13800000001", crm.RoleDirector, "", "", "en")
	w.credit = mk("Qian Credit", "13800000002", crm.RoleCredit, "shenyang", "credit", "en")
	w.liu = mk("Liu Yang", "13800000003", crm.RoleSalesManager, "shenyang", "machines", "en")
	w.wang = mk("Wang Jun", "13800000004", crm.RoleSalesman, "shenyang", "machines", "en")
	w.li = mk("Li Ming", "13800000005", crm.RoleSalesman, "shenyang", "machines", "zh")
	w.sun = mk("Sun Hao", "13800000006", crm.RoleSalesManager, "dalian", "machines", "en")
	w.zhao = mk("Zhao Lei", "13800000007", crm.RoleSalesman, "dalian", "machines", "en")
	mustUpdate(t, s, crm.System, func(tx *crm.Tx) error {
		for _, u := range []*crm.User{w.dir, w.credit, w.liu, w.sun} {
			if u == w.liu || u == w.sun {
				u.Manager = w.dir.ID
			}
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		for _, u := range []*crm.User{w.wang, w.li} {
			u.Manager = w.liu.ID
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		w.zhao.Manager = w.sun.ID
		if err := tx.SaveUser(w.zhao); err != nil {
			return err
		}
		acct := func(owner *crm.User, name, phone, contact, mobile string) (int64, int64) {
			a := &crm.Account{Base: crm.Base{Owner: owner.ID}, Name: name, City: "Shenyang", Industry: "mining"}
			if phone != "" {
				a.Phones = []string{phone}
			}
			c := &crm.Contact{Name: contact, Mobile: mobile}
			if err := tx.CreateAccount(a, c); err != nil {
				t.Fatalf("fixture account %s: %v", name, err)
			}
			return a.ID, c.ID
		}
		w.acmeMining, w.zhangWei = acct(w.wang, "ACME Mining Co.", "024-88886666", "Zhang Wei", "13901234567")
		w.acmeTransport, w.chenBo = acct(w.wang, "ACME Transport Ltd", "", "Chen Bo", "13902223333")
		w.huaxin, w.liQiang = acct(w.li, "华鑫矿业有限公司", "", "李强", "13903334444")
		w.dalian, w.maLin = acct(w.zhao, "Dalian Harbour Works", "0411-88887777", "Ma Lin", "13904445555")
		return nil
	})
	return w
}

// apParse reads text as the parser does for a message arriving now.
func (w *apWorld) apParse(text string) (*parser.Command, error) {
	return parser.Parse(text, parser.Context{Now: w.clk.Now(), Loc: apShanghai})
}

// apApply runs cmd through Store.Update and Tx.Apply as user, as the gateway
// does for an SMS.
func (w *apWorld) apApply(user *crm.User, cmd *parser.Command) (*crm.Outcome, error) {
	var out *crm.Outcome
	n := msgSeq.Add(1)
	_, err := w.s.Update(context.Background(), crm.Meta{Actor: user, Channel: "sms", MessageID: fmt.Sprintf("ap-%d", n), Summary: cmd.Raw},
		func(tx *crm.Tx) error {
			var err error
			out, err = tx.Apply(cmd, apShanghai)
			return err
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// apSend parses text and applies it as user. A parse error comes back as the
// error (a *parser.Error).
func (w *apWorld) apSend(user *crm.User, text string) (*crm.Outcome, error) {
	cmd, err := w.apParse(text)
	if err != nil {
		return nil, err
	}
	return w.apApply(user, cmd)
}

// apOK sends text as user and fails the test when it is refused or answered
// with another template than want.
func (w *apWorld) apOK(user *crm.User, text, want string) *crm.Outcome {
	w.t.Helper()
	out, err := w.apSend(user, text)
	if err != nil {
		w.t.Fatalf("%s: %q refused: %v", user.Name, text, err)
	}
	if out.Template != want {
		w.t.Fatalf("%s: %q answered with %q, want %q (data %+v)", user.Name, text, out.Template, want, out.Data)
	}
	return out
}

// apRefused sends text as user, checks that crm refuses it with code and the
// fragments, and that nothing was stored.
func (w *apWorld) apRefused(user *crm.User, text, code string, fragments ...string) error {
	w.t.Helper()
	cmd, err := w.apParse(text)
	if err != nil {
		w.t.Fatalf("%q: parse error %v, want a crm refusal", text, err)
	}
	return w.apRefusedCmd(user, cmd, code, fragments...)
}

// apRefusedCmd is apRefused for a command built by the test.
func (w *apWorld) apRefusedCmd(user *crm.User, cmd *parser.Command, code string, fragments ...string) error {
	w.t.Helper()
	before := countAll(w.t, w.s)
	out, err := w.apApply(user, cmd)
	if err == nil {
		w.t.Fatalf("%s: %q accepted (%s %+v), want %s", user.Name, cmd.Raw, out.Template, out.Data, code)
	}
	wantErr(w.t, err, code, fragments...)
	unchanged(w.t, w.s, before)
	return err
}

// apParseRefused checks that the parser itself refuses text, with a hint
// containing hint.
func (w *apWorld) apParseRefused(text, hint string) {
	w.t.Helper()
	_, err := w.apParse(text)
	pe, ok := err.(*parser.Error)
	if !ok {
		w.t.Fatalf("%q: want a parse error, got %v", text, err)
	}
	if !strings.Contains(strings.ToLower(pe.Hint+" "+pe.Msg), strings.ToLower(hint)) {
		w.t.Errorf("%q: parse error %q / %q does not mention %q", text, pe.Msg, pe.Hint, hint)
	}
}

// apGet reads a record as the system.
func apGet[T crm.Record](w *apWorld, k crm.Kind, id int64) T {
	w.t.Helper()
	return getAsSystem[T](w.t, w.s, k, id)
}

// apData asserts the outcome's data type.
func apData[T any](t *testing.T, out *crm.Outcome) T {
	t.Helper()
	d, ok := out.Data.(T)
	if !ok {
		var zero T
		t.Fatalf("%s: data is %T, want %T", out.Template, out.Data, zero)
	}
	return d
}

// apNotices returns the outcome's notices with template tpl.
func apNotices(out *crm.Outcome, tpl string) []crm.Notice {
	var ns []crm.Notice
	for _, n := range out.Notices {
		if n.Template == tpl {
			ns = append(ns, n)
		}
	}
	return ns
}

// apOneNotice asserts exactly one notice with template tpl, to user to.
func apOneNotice(t *testing.T, out *crm.Outcome, tpl string, to int64) crm.Notice {
	t.Helper()
	ns := apNotices(out, tpl)
	if len(ns) != 1 {
		t.Fatalf("want one %s notice, got %d (all: %+v)", tpl, len(ns), out.Notices)
	}
	if ns[0].To != to {
		t.Errorf("%s notice to #%d, want #%d", tpl, ns[0].To, to)
	}
	return ns[0]
}

// apActivities lists the activities owned by owner (as the system).
func (w *apWorld) apActivities(owner *crm.User) []*crm.Activity {
	w.t.Helper()
	var out []*crm.Activity
	mustView(w.t, w.s, crm.System, func(tx *crm.Tx) error {
		return tx.OwnedBy(crm.KindActivity, owner.ID, func(r crm.Record) bool {
			out = append(out, r.(*crm.Activity))
			return true
		})
	})
	return out
}

// apCreate stores records as the system (for states no message makes, such as
// an overdue activity).
func (w *apWorld) apCreate(fn func(tx *crm.Tx) error) {
	w.t.Helper()
	mustUpdate(w.t, w.s, crm.System, fn)
}

// apSameTime compares times as instants.
func apSameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got.In(apShanghai), want.In(apShanghai))
	}
}

// apHint returns the hint of a crm refusal.
func apHint(err error) string {
	var e *crm.Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}
