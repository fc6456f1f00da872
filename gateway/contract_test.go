package gateway_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/templates"
)

// crm's outcome data and the SMS templates are written apart (templates may
// import nothing of ours), so a field renamed on one side would only show as
// a failed reply. Every template crm and the pipeline use is rendered here
// with crm's own types, fully populated, in both languages; a template added
// without a case here fails too.
func TestTemplatesTakeCrmData(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	next := &crm.NextItem{ID: 2, What: "quote", Due: now, HasDue: true}
	item := crm.Item{ID: 3, Due: now, HasTime: true, Kind: "visit", Subject: "bring brochure", Account: "ACME", Urgent: true}
	cases := map[string]any{
		"ok_activity":               crm.OKActivityData{Kind: "visit", ID: 1, Account: "ACME", Contact: "Zhang", Next: next},
		"ok_planned":                crm.OKPlannedData{ID: 1, Kind: "visit", Subject: "s", Account: "a", Due: now, HasTime: true, Owner: "Wang", Urgent: true},
		"ok_done":                   crm.OKDoneData{ID: 1, Subject: "s", Next: next},
		"ok_rejected":               crm.OKRejectedData{ID: 1, Subject: "s", Manager: "Liu"},
		"ok_lead":                   crm.OKLeadData{ID: 1, Company: "c", Person: "p", Source: "referral", Action: "convert", Account: 4, Opp: 5},
		"ok_contact":                crm.OKContactData{ID: 1, Name: "n", Account: "a", Phone: "+8613900000000"},
		"ok_account":                crm.OKAccountData{ID: 1, Name: "n", Contact: "c", Action: "create"},
		"ok_opp":                    crm.OKOppData{ID: 1, Name: "n", Account: "a", Stage: "proposal", Amount: 100, Close: now, Action: "stage"},
		"ok_equipment":              crm.OKEquipmentData{ID: 1, Brand: "CAT", Model: "320D", Serial: "X", Account: "a", SMU: 10, New: true},
		"ok_note":                   crm.OKNoteData{ID: 1, On: "ACME"},
		"ok_assign":                 crm.OKAssignData{ID: 1, Kind: "activity", Subject: "s", Assignee: "Wang", Previous: "Li"},
		"ok_approve":                crm.OKApproveData{ID: 1, Subject: "s", Approved: true},
		"ok_resp":                   crm.OKRespData{N: 1, Campaign: "c", Who: "w"},
		"ok_campaign":               crm.OKCampaignData{ID: 1, Name: "Expo", Action: "lead", Budget: 100, Start: now, End: now, Lead: 9, N: 3, Owner: "Wang"},
		"ok_undo":                   crm.OKUndoData{What: "visit #1"},
		"ok_pending":                crm.OKPendingData{ID: 1, Subject: "s", Manager: "m"},
		"ok_extend":                 crm.OKExtendData{ID: 1, Due: now},
		"ok_ack":                    crm.OKAckData{ID: 1, Subject: "s"},
		"ok_stop":                   struct{}{},
		"ok_start":                  struct{}{},
		"opted_out":                 struct{}{},
		"nothing_more":              struct{}{},
		"err":                       crm.ErrData{Message: "m", Hint: "h"},
		"err_conflict":              crm.ErrData{Message: "m", Hint: "h"},
		"err_did_you_mean":          crm.DidYouMeanData{Word: "w", Suggest: "VISIT", Hint: "h"},
		"err_forbidden":             crm.ErrData{Message: "m", Hint: "h"},
		"err_not_found":             struct{ What, Hint string }{"m", "h"},
		"err_internal":              struct{}{},
		"not_registered":            struct{}{},
		"signin_code":               templates.SigninCodeData{Code: "123456", Minutes: 10},
		"choose":                    crm.ChooseData{Word: "acme", Choices: []crm.Choice{{N: 1, Name: "A", ID: 1}, {N: 2, Name: "B", ID: 2}}},
		"help":                      crm.HelpData{Text: "t"},
		"today":                     crm.TodayData{Date: now, Overdue: []crm.Item{item}, Today: []crm.Item{item}, Later: 2},
		"opps":                      crm.OppsData{Opps: []crm.OppItem{{ID: 1, Name: "n", Account: "a", Stage: "proposal", Amount: 5, Close: now}}, Total: 5},
		"acct":                      crm.AcctData{ID: 1, Name: "n", Phones: []string{"+86"}, Owner: "o", Contacts: []string{"c"}, OpenOpps: 1, LastVisit: now, Equipment: 1},
		"find":                      crm.FindData{Query: "q", Results: []crm.FindResult{{Kind: "account", ID: 1, Name: "n"}}},
		"funnel":                    crm.FunnelData{Period: "week", Stages: []crm.StageRow{{Stage: "proposal", Count: 1, Amount: 5}}},
		"team":                      crm.TeamData{Period: "week", Rows: []crm.TeamRow{{Name: "n", Visits: 1, Calls: 2, Open: 3, Overdue: 1}}},
		"lost":                      crm.LostData{Period: "month", Lost: []crm.LostItem{{ID: 1, Name: "n", Account: "a", Competitor: "Komatsu", Reason: "price", Amount: 5}}},
		"day_reminder":              crm.DayReminderData{Count: 1, First: []crm.Item{item}},
		"read_as":                   crm.ReadData{Typed: "VSIT", Verb: "VISIT", VerbZH: "拜访"},
		"kept_note":                 crm.ReadData{Kept: "oil leak"},
		"notice_assigned":           crm.NoticeAssignedData{ID: 1, Kind: "visit", Subject: "s", Account: "a", Due: now, HasDue: true, By: "Liu", Urgent: true},
		"notice_rejected":           crm.NoticeRejectedData{ID: 1, Subject: "s", By: "Wang", Reason: "r"},
		"notice_unassigned":         crm.NoticeUnassignedData{ID: 1, Kind: "visit", Subject: "s", Account: "a", By: "Liu", To: "Zhao"},
		"notice_lead":               crm.NoticeLeadData{ID: 1, Company: "c", Person: "p", Phone: "x", By: "b"},
		"notice_account":            crm.NoticeAccountData{ID: 1, Name: "n", By: "b"},
		"notice_equipment_missing":  crm.NoticeEquipmentMissingData{Account: "a", AccountID: 1},
		"notice_approval":           crm.NoticeApprovalData{ID: 1, Subject: "s", By: "b"},
		"notice_decided":            crm.NoticeDecidedData{ID: 1, Subject: "s", Approved: true, By: "b"},
		"notice_phone_changed":      crm.NoticePhoneChangedData{Account: "a", Old: "o", New: "n", By: "b"},
		"notice_inactive":           crm.NoticeInactiveData{Account: "a", Reason: "r", By: "b"},
		"notice_colleague_activity": crm.NoticeColleagueActivityData{Kind: "visit", Account: "a", AccountID: 1, Contact: "c", Notes: "n", By: "b"},
		"notice_contact_removed":    crm.NoticeContactRemovedData{Contact: "c", Account: "a", Reason: "r", Requester: "q", By: "b"},
	}
	set := templates.MustNew()
	for _, loc := range []string{"en", "zh"} {
		for name, d := range cases {
			out, err := set.SMS(loc, name, d)
			if err != nil {
				t.Errorf("%s/%s with crm's data: %v", loc, name, err)
			} else if strings.TrimSpace(out) == "" {
				t.Errorf("%s/%s rendered nothing", loc, name)
			}
		}
	}
	// every SMS template is covered here, except the scheduler's (its own
	// data types, tested in scheduler), the email gateway's ok_doc (tested in
	// gateway/email) and shared partials
	files, err := filepath.Glob(filepath.Join("..", "templates", "sms", "en", "*.tmpl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("templates not found: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".tmpl")
		if _, ok := cases[name]; !ok && !strings.HasPrefix(name, "job_") && !strings.HasPrefix(name, "_") && name != "ok_doc" {
			t.Errorf("template %s has no case with crm's data here", name)
		}
	}
}
