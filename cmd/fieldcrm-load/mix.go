package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

// The message mix and the world are those of cmd/fieldcrm/webhook_bench_test.go
// (styles of parser/testdata/messages.txt), with two changes: two VISIT
// templates carry a unique token in their notes (%T), so that the check can
// find the activity each one made, and names stretch to 256 salesmen.

const (
	publicURL   = "https://crm.example.com"
	ourNumber   = "+8613900000000"
	openPerUser = 200 // open activities seeded per salesman, for DONE
)

// template is one kind of message. acts is how many activities it creates
// when carried out; done marks the ones that close an open activity; write
// the ones that change the CRM when carried out (a change set per message).
type template struct {
	name   string
	weight int
	acts   int
	done   bool
	zh     bool // only for zh users
	write  bool
	text   string
}

// %A an account of the sender, %C its contact, %Z his Chinese-named account,
// %D an open activity of his, %T the message's unique token.
var templates = []template{
	{"visit-next", 6, 2, false, false, true, "VISIT %A; met %C; wants 2 x 320D; next: quote fri"},
	{"visit-next", 5, 2, false, false, true, "visit %A; met %C and Li; next: send brochure tomorrow"},
	{"visit-next", 5, 2, false, false, true, "vis %A; site visit, 3 old 320C running; next: demo mon 9am"},
	{"visit-next", 5, 2, false, false, true, "V %A; met %C; next: quote in 3 days"},
	{"visit-next", 5, 2, false, false, true, "V %A met %C next quote fri"},
	{"visit-token", 3, 1, false, false, true, "V %A / %C / demo went well ref %T"},
	{"visit-token", 3, 1, false, false, true, "visited %A, met %C, ok ref %T"},
	{"call-next", 6, 2, false, false, true, "CALL %A; %C; wants price for 336; next: send quote tmr"},
	{"call-next", 6, 2, false, false, true, "call %A; spoke to %C; next: call back fri"},
	{"call", 2, 1, false, false, true, "C %A / %C / asked for financing options"},
	{"call", 2, 1, false, false, true, "called %A; no answer"},
	{"visit-zh", 4, 2, false, true, true, "拜访 %Z；见了李总；下周二报价"},
	{"call-zh", 3, 2, false, true, true, "电话 %Z；李总；要320D报价；明天发报价"},
	{"plan", 4, 1, false, false, true, "PLAN visit %A fri 3pm; bring 320D brochure"},
	{"plan", 3, 1, false, false, true, "plan revisit %A in 2 weeks"},
	{"plan", 3, 1, false, false, true, "PLAN meet %A tomorrow 2pm urgent"},
	{"done-next", 4, 1, true, false, true, "DONE #%D met purchasing; next: call mon"},
	{"done", 3, 0, true, false, true, "done #%D"},
	{"done-next", 3, 1, true, false, true, "D #%D met %C; next: quote fri"},
	{"done", 2, 0, true, false, true, "#%D done met purchasing"},
	{"opp", 3, 0, false, false, true, "OPP %A; 2x 320D; 2.4m; close 15/12"},
	{"opp", 3, 0, false, false, true, "opp %A; 3 x 950H; 350k"},
	{"today", 4, 0, false, false, false, "TODAY"},
	{"today", 2, 0, false, false, false, "today tmr"},
	{"today", 2, 0, false, false, false, "T"},
	{"opps", 3, 0, false, false, false, "OPPS"},
	{"opps", 2, 0, false, false, false, "opps %A"},
	{"typo", 2, 0, false, false, false, "VISTI %A; met %C"},
	{"unknown", 1, 0, false, false, false, "hello there"},
	{"not-found", 1, 0, false, false, false, "V nosuchcorp; met li"},
	{"not-found", 1, 0, false, false, false, "DONE #99999999"},
}

var (
	syl1     = []string{"hua", "dong", "bei", "jin", "long", "tai", "feng", "hong", "xia", "ming", "kai", "sheng", "yuan", "qing", "bao", "rui"}
	syl2     = []string{"xin", "da", "tong", "li", "guang", "heng", "fu", "cheng", "an", "mao", "wei", "yu", "ze", "bo", "shun", "kang"}
	syl3     = []string{"", "shan", "hai", "lin"} // salesmen 64–255
	industry = []string{"Mining Co.", "Transport Ltd", "Construction Group", "Quarry"}
	contacts = []string{"Zhang Wei", "Li Na", "Wang Jun", "Chen Jie", "Liu Yang", "Ma Lin", "Zhou Yang", "Gao Peng"}
	han1     = []string{"华", "鑫", "东", "北", "金", "隆", "泰", "丰"}
	han2     = []string{"源", "达", "通", "利", "光", "恒", "福", "成"}
	han3     = []string{"", "山", "海", "林"}
)

// salesman is one seeded user as the generator sees him.
type salesman struct {
	id       int64
	phone    string
	zh       bool
	accounts []account
	zhRef    string
	open     []int64 // his open activities, for DONE
	nextOpen int
	rng      *rand.Rand
	k        int // messages generated
}

type account struct{ ref, contact string }

// message is one signed inbound webhook.
type message struct {
	sid, body, sig string
	tpl            int
	token          string // "" unless the template has %T
	user           int
}

func newSalesmen(n int) []*salesman {
	us := make([]*salesman, n)
	for u := range us {
		us[u] = &salesman{zh: u%4 == 0, phone: fmt.Sprintf("+86138%08d", u+1), rng: rand.New(rand.NewPCG(uint64(u)+1, 42))}
	}
	return us
}

// seed writes the world into the database at path (serve is not running):
// per salesman a manager, 4 English-named accounts and 1 Chinese-named one
// with contacts, machines, opportunities, and openPerUser open activities.
func seed(path string, users []*salesman, clock func() time.Time) error {
	s, err := openStore(path, crm.Options{Now: clock})
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	meta := crm.Meta{Actor: crm.System, Channel: "import", Summary: "load harness seed"}
	now := clock()
	models := []string{"320D", "336", "950H", "D6"}
	for u0 := 0; u0 < len(users); u0 += 8 {
		_, err := s.Update(ctx, meta, func(tx *crm.Tx) error {
			for u := u0; u < min(u0+8, len(users)); u++ {
				bu := users[u]
				bu.accounts, bu.open, bu.nextOpen = nil, nil, 0
				team := crm.Base{Branch: fmt.Sprintf("branch%03d", u), Dept: "machines"}
				mgr := &crm.User{Base: team, Name: fmt.Sprintf("Manager %03d", u), Phones: []string{fmt.Sprintf("+86137%08d", u+1)},
					Role: crm.RoleSalesManager, Locale: "en"}
				if err := tx.SaveUser(mgr); err != nil {
					return err
				}
				locale := "en"
				if bu.zh {
					locale = "zh"
				}
				su := &crm.User{Base: team, Name: fmt.Sprintf("Sales %03d", u), Phones: []string{bu.phone},
					Role: crm.RoleSalesman, Manager: mgr.ID, Locale: locale}
				if err := tx.SaveUser(su); err != nil {
					return err
				}
				bu.id = su.ID
				owner := crm.Base{Owner: su.ID}
				var accts []int64
				for j := range 5 {
					var name, contact string
					if j < 4 {
						k := (u%64)*4 + j
						word := syl1[k/16] + syl2[k%16] + syl3[u/64]
						name = strings.ToUpper(word[:1]) + word[1:] + " " + industry[j]
						contact = contacts[(u+j)%len(contacts)]
						bu.accounts = append(bu.accounts, account{ref: word, contact: contact})
					} else {
						han := han1[(u%64)/8] + han2[u%8] + han3[u/64]
						name, contact = han+"矿业有限公司", "李刚"
						bu.zhRef = han + "矿业"
					}
					a := &crm.Account{Base: owner, Name: name, City: "Shenyang", Industry: "mining"}
					c := &crm.Contact{Base: owner, Name: contact, Title: "purchasing manager", Mobile: fmt.Sprintf("139%04d%04d", u, j)}
					if err := tx.CreateAccount(a, c); err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
					accts = append(accts, a.ID)
					if j != 1 {
						e := &crm.Equipment{Base: owner, Account: a.ID, Brand: "CAT", Model: models[j%len(models)],
							Serial: fmt.Sprintf("CAT0%02d%03d%02d", j, u, j), SMU: 1200 + 97*u, Condition: "good"}
						if err := tx.SaveEquipment(e); err != nil {
							return err
						}
					}
					if j%2 == 0 {
						o := &crm.Opportunity{Base: owner, Account: a.ID, Products: []crm.ProductLine{{Model: "320D", Qty: 1 + j}},
							Amount: crm.Money(int64(800+u*7) * 1_000_000), Close: now.AddDate(0, 1, j), Stage: crm.Stage(1 + j%4)}
						if err := tx.CreateOpp(o); err != nil {
							return err
						}
					}
				}
				for k := range openPerUser {
					act := &crm.Activity{Base: owner, Type: []string{crm.ActCall, crm.ActVisit, crm.ActTask}[k%3],
						Subject: fmt.Sprintf("follow up %d", k), Account: accts[k%len(accts)], Status: crm.StatusOpen,
						Due: now.Add(time.Duration(k%72-24) * time.Hour)}
					if err := tx.CreateActivity(act); err != nil {
						return err
					}
					bu.open = append(bu.open, act.ID)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// pick chooses a template for u (deterministic per salesman); DONE only
// while he has open activities left.
func (u *salesman) pick() int {
	for {
		total := 0
		for _, t := range templates {
			if !t.zh || u.zh {
				total += t.weight
			}
		}
		x := u.rng.IntN(total)
		for i, t := range templates {
			if t.zh && !u.zh {
				continue
			}
			if x < t.weight {
				if t.done && u.nextOpen >= len(u.open) {
					break // none left: choose again
				}
				return i
			}
			x -= t.weight
		}
	}
}

// next renders salesman ui's next message as a signed webhook. run makes
// MessageSids unique across runs of one process.
func (u *salesman) next(run, ui int) message {
	ti := u.pick()
	t := templates[ti]
	acct := u.accounts[u.k%len(u.accounts)]
	text := strings.NewReplacer("%A", acct.ref, "%C", acct.contact, "%Z", u.zhRef).Replace(t.text)
	if strings.Contains(text, "%D") {
		text = strings.ReplaceAll(text, "%D", strconv.FormatInt(u.open[u.nextOpen], 10))
		u.nextOpen++
	}
	m := message{sid: fmt.Sprintf("SM%04x%04x%024x", run, ui, u.k), tpl: ti, user: ui}
	if strings.Contains(text, "%T") {
		m.token = "qz" + letters(run*1_000_000_000+ui*1_000_000+u.k)
		text = strings.ReplaceAll(text, "%T", m.token)
	}
	u.k++
	form := url.Values{
		"MessageSid": {m.sid}, "SmsMessageSid": {m.sid}, "SmsSid": {m.sid},
		"AccountSid": {twiliotest.AccountSID}, "MessagingServiceSid": {""}, "From": {u.phone}, "To": {ourNumber},
		"Body": {text}, "NumMedia": {"0"}, "NumSegments": {"1"}, "SmsStatus": {"received"},
		"ApiVersion": {"2010-04-01"}, "FromCountry": {"CN"}, "ToCountry": {"US"},
	}
	m.body = form.Encode()
	m.sig = twilio.Signature(twiliotest.AuthToken, publicURL+twilio.SMSPath, form)
	return m
}

// letters writes n in base 26 with a–z (a token the parser leaves alone).
func letters(n int) string {
	var b []byte
	for {
		b = append(b, byte('a'+n%26))
		n /= 26
		if n == 0 {
			break
		}
	}
	return string(b)
}
