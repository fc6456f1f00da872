package crm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/templates"
)

// foreign are the records of the Dalian branch in an apWorld, as Shenyang's
// people must never see them.
type foreign struct {
	acct, contact, opp, cat, komatsu, act, lead, req int64
}

// Strings of the Dalian branch that no reply to Shenyang may carry.
var foreignWords = []string{"Dalian Harbour", "Ma Lin", "13904445555", "0411", "88887777", "Zhao Lei",
	"Gao Feng", "Dalian Port", "13906667777", "crane", "34567", "3.46m", "345.7", "CATDAL0001", "Sun Hao"}

// apForeign adds to w the Dalian records besides the account and contact:
// an opportunity of 3,456,700, a CAT machine and a Komatsu, an open activity,
// a lead and a pending request to remove Ma Lin.
func apForeign(t *testing.T, w *apWorld) foreign {
	f := foreign{acct: w.dalian, contact: w.maLin}
	// ids of their own, so that a reply showing one is caught
	own := func(id int64) crm.Base { return crm.Base{ID: id, Owner: w.zhao.ID} }
	w.apCreate(func(tx *crm.Tx) error {
		o := &crm.Opportunity{Base: own(7001), Account: w.dalian, Name: "Dalian crane deal", Amount: 345_670_000}
		if err := tx.CreateOpp(o); err != nil {
			return err
		}
		lost := &crm.Opportunity{Base: own(7011), Account: w.dalian, Name: "Dalian crane 2", Amount: 345_670_000,
			Stage: crm.StageLost, LostTo: "Komatsu", LostReason: "crane price", ClosedAt: apAt(2026, 11, 20, 10, 0)}
		if err := tx.CreateOpp(lost); err != nil {
			return err
		}
		e := &crm.Equipment{Base: own(7102), Account: w.dalian, Brand: "CAT", Model: "320D", Serial: "CATDAL0001", SMU: 1234}
		if err := tx.SaveEquipment(e); err != nil {
			return err
		}
		k := &crm.Equipment{Base: own(7103), Account: w.dalian, Brand: "Komatsu", Model: "PC200", Bought: time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)}
		if err := tx.SaveEquipment(k); err != nil {
			return err
		}
		a := &crm.Activity{Base: own(7204), Type: "call", Subject: "call Ma Lin about the crane", Account: w.dalian, Due: apAt(2026, 11, 25, 15, 0)}
		if err := tx.CreateActivity(a); err != nil {
			return err
		}
		l := &crm.Lead{Base: own(7305), Company: "Dalian Port Logistics", Person: "Gao Feng", Phone: "13906667777"}
		if err := tx.CreateLead(l); err != nil {
			return err
		}
		f.opp, f.cat, f.komatsu, f.act, f.lead = o.ID, e.ID, k.ID, a.ID, l.ID
		return nil
	})
	w.apOK(w.zhao, fmt.Sprintf("CONTACT #%d remove; left the company", w.maLin), "ok_pending")
	mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
		rs, err := tx.PendingRequests()
		if len(rs) > 0 {
			f.req = rs[0].ID
		}
		return err
	})
	if f.req == 0 {
		t.Fatal("no pending request")
	}
	return f
}

// TestRefusalsNeverShowAnotherBranch sends every command that can be refused
// against the records of another branch, as salesmen (English and Chinese)
// and as their manager, and checks that neither the refusal nor, where the
// command is answered, the reply carries a name, phone or amount of that
// branch, or the id of a record the sender did not name (issue 14.4, 15.7).
func TestRefusalsNeverShowAnotherBranch(t *testing.T) {
	set := templates.MustNew()
	cmds := []string{
		"ACCT #{acct}", "ACCT dalian harbour", "FIND dalian", "FIND 139044", "FIND ma lin", "FIND 13906667777", "FIND gao feng",
		"V #{acct}; met Ma Lin", "V dalian harbour; met Ma Lin", "CALL #{acct}", "PLAN visit #{acct} fri",
		"CONTACT #{acct}; Li Wei; 13901112222", "CONTACT #{contact} remove; left", "CONTACT #{contact} 13905556666",
		"NOTE #{acct}; hello", "NOTE O{opp}; hello", "NOTE A{act}; hello", "NOTE L{lead}; hello",
		"EQ #{acct} Komatsu PC200 bought 2019-05", "EQ acme mining CAT 320D sn CATDAL0001 smu 10",
		"EQ acme transport cat 336 sn catdal0001", "EQ #{cat} smu 5000", "EQ acme mining Komatsu PC200 bought 2019-05",
		"OPP dalian harbour; 2x 320D; 1m", "OPP #{opp} stage qualification", "OPP #{opp} stage proposal", "OPP #{opp} won",
		"OPP #{opp} lost komatsu; price", "OPP #{opp} nodeal budget", "OPP #{opp} amt 2m", "OPP O{opp} close 20/12",
		"DONE #{act} met him", "DONE A{act}", "REJECT #{act} busy", "EXTEND #{act} 3d", "ACK #{act}",
		"ASSIGN #{act} wang", "ASSIGN O{opp} wang", "ASSIGN L{lead} wang", "ASSIGN #{acct} wang",
		"LEAD L{lead} qualify", "LEAD L{lead} convert", "LEAD Dalian Port Logistics; Gao Feng 13906667777",
		"ACCOUNT Dalian Harbour Works; Ma Lin 13904445555", "ACCOUNT #{acct} inactive; closed", "ACCOUNT #{acct}; addr: Harbour Road 1",
		"APPROVE #{req}", "REFUSE #{req} no", "UNDO #{act}", "UNDO O{opp}",
		"OPPS zhao", "TODAY zhao", "FUNNEL zhao", "TEAM", "LOST", "LOST year", "TEAM zhao",
	}
	probe := newWorldProbe(t)
	f := apForeign(t, probe)
	ids := map[string]int64{"acct": f.acct, "contact": f.contact, "opp": f.opp, "cat": f.cat, "act": f.act, "lead": f.lead, "req": f.req}
	for _, tmpl := range cmds {
		text := tmpl
		for k, v := range ids {
			text = strings.ReplaceAll(text, "{"+k+"}", fmt.Sprint(v))
		}
		for _, who := range []string{"wang", "li", "liu"} {
			t.Run(who+" "+text, func(t *testing.T) {
				w := apNewWorld(t)
				if g := apForeign(t, w); g != f {
					t.Fatalf("fixture ids differ: %+v, %+v", g, f)
				}
				sender := map[string]*crm.User{"wang": w.wang, "li": w.li, "liu": w.liu}[who]
				out, err := w.apSend(sender, text)
				var shown []string
				var e *crm.Error
				switch {
				case errors.As(err, &e):
					shown = append(shown, e.Message, e.Hint)
					if zh, ok := set.Refusal("zh", e.Format, e.Args); ok {
						shown = append(shown, zh)
					}
					for _, c := range e.Choices {
						shown = append(shown, c.Name)
					}
				case err != nil:
					shown = append(shown, err.Error())
				default:
					b, _ := json.Marshal(out.Data)
					shown = append(shown, string(b))
					for _, loc := range []string{"en", "zh"} {
						s, rerr := set.SMS(loc, out.Template, out.Data)
						if rerr != nil {
							t.Fatalf("render %s: %v", out.Template, rerr)
						}
						shown = append(shown, s)
					}
					for _, n := range out.Notices {
						b, _ := json.Marshal(n.Data)
						shown = append(shown, string(b))
					}
				}
				all := strings.Join(shown, " | ")
				t.Logf("%s: %s → %s", who, text, all)
				for _, word := range foreignWords {
					if strings.Contains(strings.ToUpper(text), strings.ToUpper(word)) {
						continue // the sender's own words may come back
					}
					if strings.Contains(strings.ToLower(all), strings.ToLower(word)) {
						t.Errorf("%s: %q answered with %q: shows %q of another branch", who, text, all, word)
					}
				}
				for name, id := range ids {
					re := regexp.MustCompile(`#` + fmt.Sprint(id) + `\b`)
					typed := regexp.MustCompile(`(?i)[#aole]` + fmt.Sprint(id) + `\b`).MatchString(text)
					if !typed && re.MatchString(all) {
						t.Errorf("%s: %q answered with %q: shows the id of the foreign %s", who, text, all, name)
					}
				}
			})
		}
	}
}

// newWorldProbe builds a world once to learn the fixture's ids.
func newWorldProbe(t *testing.T) *apWorld { return apNewWorld(t) }

// LOST is the managers' report (docs/commands.md); a salesman marks his
// opportunity lost with LOST #id as before.
func TestApplyLostIsForManagers(t *testing.T) {
	w := apNewWorld(t)
	f := apForeign(t, w)
	o := w.apOK(w.wang, "OPP acme mining; 2x 320D; 1.2m", "ok_opp")
	opp := apData[crm.OKOppData](t, o).ID
	for _, text := range []string{"LOST", "lost quarter", "丢单分析"} {
		w.apRefused(w.wang, text, crm.EFORBIDDEN, "managers")
		w.apRefused(w.li, text, crm.EFORBIDDEN, "managers")
	}
	w.apOK(w.wang, fmt.Sprintf("LOST #%d komatsu; price", opp), "ok_opp")
	d := apData[crm.LostData](t, w.apOK(w.liu, "LOST", "lost"))
	if len(d.Lost) != 1 || d.Lost[0].ID != opp {
		t.Errorf("Liu's LOST lists %+v, want Wang's #%d only (not Dalian's #%d)", d.Lost, opp, f.opp)
	}
}

// Brand + model + purchase date identify a machine at one customer: Li's
// Komatsu PC200 bought 2019-05 is hers although Zhao has one like it at his
// customer; the same machine twice at one customer is refused, naming only
// what the sender may see. A CAT serial stays unique across customers and its
// refusal does not say where, or which record, it is (issue 14.4, 15.7).
func TestApplyEquipmentIdentityPerAccount(t *testing.T) {
	w := apNewWorld(t)
	f := apForeign(t, w)
	out := w.apOK(w.li, "EQ 华鑫矿业 Komatsu PC200 bought 2019-05", "ok_equipment")
	mine := apData[crm.OKEquipmentData](t, out).ID
	if mine == f.komatsu {
		t.Fatal("Li's Komatsu is Zhao's record")
	}
	e := apGet[*crm.Equipment](w, crm.KindEquipment, mine)
	if e.Account != w.huaxin || e.Owner != w.li.ID {
		t.Errorf("Li's Komatsu stored as %+v", e)
	}
	// Wang has one at ACME too: a third record
	w.apOK(w.wang, "EQ acme mining Komatsu PC200 bought 2019-05", "ok_equipment")
	if n := countKind(t, w.s, crm.KindEquipment); n != 4 {
		t.Errorf("%d machines stored, want 4", n)
	}
	// the same one again at 华鑫: it is the machine on file, updated
	out = w.apOK(w.li, "EQ 华鑫矿业 Komatsu PC200 bought 2019-05 smu 6100", "ok_equipment")
	if d := apData[crm.OKEquipmentData](t, out); d.ID != mine || d.New || d.SMU != 6100 {
		t.Errorf("second report of the machine: %+v, want #%d updated", d, mine)
	}

	// a CAT serial of Dalian's: refused without its id or customer
	err := w.apRefused(w.wang, "EQ acme mining CAT 320D sn CATDAL0001 smu 10", crm.ECONFLICT, "CATDAL0001", "cannot see")
	msg := crm.ErrorMessage(err) + apHint(err)
	for _, leak := range []string{"Dalian", crm.FormatID(f.cat), "#"} {
		if strings.Contains(msg, leak) {
			t.Errorf("refusal %q shows %q", msg, leak)
		}
	}
	// in the own branch the refusal names the machine, which he may see
	w.apOK(w.wang, "EQ acme mining CAT 336 sn CAT0336WANG", "ok_equipment")
	w.apRefused(w.li, "EQ 华鑫矿业 CAT 336 sn cat0336wang", crm.ECONFLICT, "CAT0336WANG", "ACME Mining")
}
