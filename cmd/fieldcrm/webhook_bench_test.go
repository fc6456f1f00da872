package main

// The benchmark of issue 4, point 10: signed Twilio webhooks through the whole
// path (HTTP, signature, pipeline, crm, group commit with fsync, TwiML) on
// loopback, next to a minimal durable webhook measured in the same run on the
// same disk. Nothing here runs without -bench.
//
//	go test ./cmd/fieldcrm -run '^$' -bench BenchmarkWebhook -benchtime 20000x
//	go test ./cmd/fieldcrm -run '^$' -bench 'BenchmarkWebhook/closed-64$' -benchtime 20000x -cpuprofile cpu.out
//	go tool pprof -top -cum cmd/fieldcrm.test cpu.out   (the test binary is kept with -cpuprofile; or -o)
//
// Sub-benchmarks (in this order):
//
//	closed-64             fieldcrm, 64 senders back to back, b.N requests in all
//	baseline-closed-64    minimal durable webhook, group commit (one writer goroutine)
//	baseline-dbbatch-64   the same, bbolt's db.Batch with its defaults
//	baseline-update-64    the same, one db.Update per request
//	open-1000             fieldcrm, open loop at 1,000 requests/s for 5 s
//	baseline-open-1000    the group-commit baseline, same open loop
//	ratio-to-baseline     closed-64 req/s ÷ baseline-closed-64 req/s of this run
//
// The open-loop ones ignore b.N: each call is one run of BENCH_OPEN_SECONDS
// (5) at BENCH_OPEN_RATE (1000) requests/s, latency measured from the
// scheduled send time (no coordinated omission); their ns/op means nothing.
// The harness calls them twice with -benchtime Nx (N=1, then N): the first is
// a warm-up. BENCH_DIR puts the databases on another disk (default: the
// test's temporary directory). fsync is on everywhere (production settings).
//
// Each fieldcrm run logs what bbolt and the single writer did during it:
// pages written (and per commit), commits and messages per commit, batches
// run again after a failed request, and the writer's time running requests
// and committing (page writes and fdatasync).

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/twilio"
	"github.com/fieldcrm/fieldcrm/gateway/twilio/twiliotest"
)

const (
	benchPublicURL = "https://crm.example.com"
	benchSenders   = 64
	benchOurNumber = "+8613900000000"
	benchOpenConns = 1024 // idle connections kept by the open loop's client
)

// benchRun numbers the worlds of one process, so that message ids never repeat.
var benchRun atomic.Int64

// benchFigures keeps the closed-loop throughputs of this run for the ratio.
var benchFigures struct {
	sync.Mutex
	rps map[string]float64
}

func benchRecord(name string, rps float64) {
	benchFigures.Lock()
	defer benchFigures.Unlock()
	if benchFigures.rps == nil {
		benchFigures.rps = map[string]float64{}
	}
	benchFigures.rps[name] = rps
}

func BenchmarkWebhook(b *testing.B) {
	dir := os.Getenv("BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	} else {
		var err error
		if dir, err = os.MkdirTemp(dir, "webhook-bench-"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
	}
	openRate := benchEnvInt(b, "BENCH_OPEN_RATE", 1000)
	openDur := time.Duration(benchEnvInt(b, "BENCH_OPEN_SECONDS", 5)) * time.Second

	b.Run("closed-64", func(b *testing.B) {
		w := benchStartCRM(b, dir, b.N)
		reqs := w.requests(b.N)
		b.ResetTimer()
		st := benchClosed(w.client, w.url, reqs, benchCheckTwiML)
		b.StopTimer()
		st.report(b, true)
		benchRecord("fieldcrm", st.rps)
		w.closeAndVerify(b, reqs, st)
	})
	for _, mode := range []string{"group", "dbbatch", "update"} {
		name := "baseline-closed-64"
		if mode != "group" {
			name = "baseline-" + mode + "-64"
		}
		b.Run(name, func(b *testing.B) {
			bl := benchStartBaseline(b, dir, mode)
			reqs := benchBaselineRequests(b.N)
			b.ResetTimer()
			st := benchClosed(bl.client, bl.url, reqs, benchCheckOK)
			b.StopTimer()
			st.report(b, false)
			benchRecord(name, st.rps)
			bl.closeAndVerify(b, st)
		})
	}
	b.Run(fmt.Sprintf("open-%d", openRate), func(b *testing.B) {
		n := int(float64(openRate) * openDur.Seconds())
		w := benchStartCRM(b, dir, n)
		reqs := w.requests(n)
		w.client = benchClient(benchOpenConns) // the open loop has more in flight than 64
		benchWarm(w.client, "http://"+w.m.Addr())
		b.ResetTimer()
		st := benchOpen(w.client, w.url, reqs, openRate, benchCheckTwiML)
		b.StopTimer()
		st.report(b, true)
		w.closeAndVerify(b, reqs, st)
	})
	b.Run(fmt.Sprintf("baseline-open-%d", openRate), func(b *testing.B) {
		n := int(float64(openRate) * openDur.Seconds())
		bl := benchStartBaseline(b, dir, "group")
		reqs := benchBaselineRequests(n)
		bl.client = benchClient(benchOpenConns)
		benchWarm(bl.client, "http://"+bl.ln.Addr().String())
		b.ResetTimer()
		st := benchOpen(bl.client, bl.url, reqs, openRate, benchCheckOK)
		b.StopTimer()
		st.report(b, true)
		bl.closeAndVerify(b, st)
	})
	b.Run("ratio-to-baseline", func(b *testing.B) {
		benchFigures.Lock()
		crmRPS, ok1 := benchFigures.rps["fieldcrm"]
		baseRPS, ok2 := benchFigures.rps["baseline-closed-64"]
		benchFigures.Unlock()
		if !ok1 || !ok2 || baseRPS == 0 {
			b.Skip("needs closed-64 and baseline-closed-64 in the same run")
		}
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(crmRPS/baseRPS, "ratio")
		b.ReportMetric(crmRPS, "fieldcrm-req/s")
		b.ReportMetric(baseRPS, "baseline-req/s")
	})
}

func benchEnvInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// ---- the request mix ----

// benchReq is one prebuilt signed webhook.
type benchReq struct {
	sid  string
	body string // the form, encoded
	sig  string // X-Twilio-Signature for benchPublicURL + SMSPath
	tpl  int    // index in benchTemplates (-1 for the baseline)
}

// benchUser is one seeded salesman, as the generator sees him.
type benchUser struct {
	id       int64
	phone    string
	zh       bool
	accounts []benchAccount // English names; the message uses ref
	zhRef    string         // his account with a Chinese name
	open     []int64        // open activities of his, for DONE
	nextOpen int
}

type benchAccount struct{ ref, contact string }

// benchTemplate is one kind of message. acts is how many activities it
// creates when carried out; done marks the ones that close an open activity.
type benchTemplate struct {
	name   string
	weight int
	acts   int
	done   bool
	zh     bool // only for zh users
	text   string
}

// %A an account of the sender, %C its contact, %Z his Chinese-named account,
// %D an open activity of his.
var benchTemplates = []benchTemplate{
	{"visit-next", 6, 2, false, false, "VISIT %A; met %C; wants 2 x 320D; next: quote fri"},
	{"visit-next", 5, 2, false, false, "visit %A; met %C and Li; next: send brochure tomorrow"},
	{"visit-next", 5, 2, false, false, "vis %A; site visit, 3 old 320C running; next: demo mon 9am"},
	{"visit-next", 5, 2, false, false, "V %A; met %C; next: quote in 3 days"},
	{"visit-next", 5, 2, false, false, "V %A met %C next quote fri"},
	{"visit", 3, 1, false, false, "V %A / %C / demo went well"},
	{"visit", 3, 1, false, false, "visited %A, met %C, ok"},
	{"call-next", 6, 2, false, false, "CALL %A; %C; wants price for 336; next: send quote tmr"},
	{"call-next", 6, 2, false, false, "call %A; spoke to %C; next: call back fri"},
	{"call", 2, 1, false, false, "C %A / %C / asked for financing options"},
	{"call", 2, 1, false, false, "called %A; no answer"},
	{"visit-zh", 4, 2, false, true, "拜访 %Z；见了李总；下周二报价"},
	{"call-zh", 3, 2, false, true, "电话 %Z；李总；要320D报价；明天发报价"},
	{"plan", 4, 1, false, false, "PLAN visit %A fri 3pm; bring 320D brochure"},
	{"plan", 3, 1, false, false, "plan revisit %A in 2 weeks"},
	{"plan", 3, 1, false, false, "PLAN meet %A tomorrow 2pm urgent"},
	{"done-next", 4, 1, true, false, "DONE #%D met purchasing; next: call mon"},
	{"done", 3, 0, true, false, "done #%D"},
	{"done-next", 3, 1, true, false, "D #%D met %C; next: quote fri"},
	{"done", 2, 0, true, false, "#%D done met purchasing"},
	{"opp", 3, 0, false, false, "OPP %A; 2x 320D; 2.4m; close 15/12"},
	{"opp", 3, 0, false, false, "opp %A; 3 x 950H; 350k"},
	{"today", 4, 0, false, false, "TODAY"},
	{"today", 2, 0, false, false, "today tmr"},
	{"today", 2, 0, false, false, "T"},
	{"opps", 3, 0, false, false, "OPPS"},
	{"opps", 2, 0, false, false, "opps %A"},
	{"typo", 2, 0, false, false, "VISTO %A; met %C"}, // too far from VISIT to be carried out
	{"unknown", 1, 0, false, false, "hello there"},
	{"not-found", 1, 0, false, false, "V nosuchcorp; met li"},
	{"not-found", 1, 0, false, false, "DONE #99999999"},
}

// benchPick chooses the template of the k-th message of user u
// (deterministic: the same mix in every run).
func benchPick(rng *rand.Rand, zhUser bool) int {
	total := 0
	for _, t := range benchTemplates {
		if !t.zh || zhUser {
			total += t.weight
		}
	}
	x := rng.IntN(total)
	for i, t := range benchTemplates {
		if t.zh && !zhUser {
			continue
		}
		if x < t.weight {
			return i
		}
		x -= t.weight
	}
	panic("unreachable")
}

// Account names: 16×16 prefix-free syllables give 256 distinct first words,
// so that each salesman's "huaxin" is his only.
var (
	benchSyl1     = []string{"hua", "dong", "bei", "jin", "long", "tai", "feng", "hong", "xia", "ming", "kai", "sheng", "yuan", "qing", "bao", "rui"}
	benchSyl2     = []string{"xin", "da", "tong", "li", "guang", "heng", "fu", "cheng", "an", "mao", "wei", "yu", "ze", "bo", "shun", "kang"}
	benchIndustry = []string{"Mining Co.", "Transport Ltd", "Construction Group", "Quarry"}
	// not "Sun Li": "V acme / Sun Li / …" parses Sun as Sunday (a follow-up "Li")
	benchContacts = []string{"Zhang Wei", "Li Na", "Wang Jun", "Chen Jie", "Liu Yang", "Ma Lin", "Zhou Yang", "Gao Peng"}
	benchHan1     = []string{"华", "鑫", "东", "北", "金", "隆", "泰", "丰"}
	benchHan2     = []string{"源", "达", "通", "利", "光", "恒", "福", "成"}
)

// ---- fieldcrm under test ----

type benchCRM struct {
	m      *Main
	dbPath string
	url    string // where requests go: the loopback address
	client *http.Client
	users  []*benchUser
	plan   []int // template of each request, chosen before seeding
	run    int64
	acts0  int             // activities after seeding
	stats0 bolt.Stats      // the database's counters after seeding
	wr0    crm.WriterStats // the writer's counters after seeding
}

// benchStartCRM starts the real Main on 127.0.0.1:0 with a fresh database in
// dir, a fake Twilio API, and 64 salesmen, each the only one in his branch
// with a manager, four accounts (contacts, machines on three, opportunities
// on two) and enough open activities for the DONE messages of n requests.
func benchStartCRM(b *testing.B, dir string, n int) *benchCRM {
	b.Helper()
	run := benchRun.Add(1)
	w := &benchCRM{run: run, dbPath: filepath.Join(dir, fmt.Sprintf("fieldcrm-%d.db", run))}

	// choose the mix first: seeding must know how many DONE each one sends
	w.users = make([]*benchUser, benchSenders)
	dones := make([]int, benchSenders)
	rngs := make([]*rand.Rand, benchSenders)
	for u := range w.users {
		w.users[u] = &benchUser{zh: u%4 == 0, phone: fmt.Sprintf("+86138%08d", u+1)}
		rngs[u] = rand.New(rand.NewPCG(uint64(u)+1, 42))
	}
	w.plan = make([]int, n)
	for i := range n {
		u := i % benchSenders
		w.plan[i] = benchPick(rngs[u], w.users[u].zh)
		if benchTemplates[w.plan[i]].done {
			dones[u]++
		}
	}

	fake := twiliotest.NewServer(b)
	cfg := &Config{DB: w.dbPath, Addr: "127.0.0.1:0", PublicURL: benchPublicURL, TZ: "Asia/Shanghai",
		LogFormat: "text", LogLevel: "info", TwilioSID: fake.AccountSID, TwilioToken: fake.AuthToken,
		TwilioFrom: []string{benchOurNumber}, TwilioAPIURL: fake.URL, SMSRate: 1}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	w.m = NewMain(cfg, io.Discard) // info level as in production; the lines are formatted, then dropped
	if err := w.m.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.m.Close() })
	if err := benchSeed(w.m.Store, w.users, dones); err != nil {
		b.Fatal(err)
	}
	w.acts0 = benchCount(b, w.m.Store.BoltDB(), "rec/activity")
	w.stats0 = w.m.Store.BoltDB().Stats()
	w.wr0 = w.m.Store.WriterStats()
	w.url = "http://" + w.m.Addr() + twilio.SMSPath
	w.client = benchClient(benchSenders)
	return w
}

func benchSeed(s *crm.Store, users []*benchUser, dones []int) error {
	ctx := context.Background()
	meta := crm.Meta{Actor: crm.System, Channel: "import", Summary: "benchmark seed"}
	now := time.Now()
	models := []string{"320D", "336", "950H", "D6"}
	for u0 := 0; u0 < len(users); u0 += 16 {
		_, err := s.Update(ctx, meta, func(tx *crm.Tx) error {
			for u := u0; u < min(u0+16, len(users)); u++ {
				bu := users[u]
				bu.accounts, bu.open, bu.nextOpen = nil, nil, 0
				team := crm.Base{Branch: fmt.Sprintf("branch%02d", u), Dept: "machines"}
				mgr := &crm.User{Base: team, Name: fmt.Sprintf("Manager %02d", u), Phones: []string{fmt.Sprintf("+86137%08d", u+1)},
					Role: crm.RoleSalesManager, Locale: "en"}
				if err := tx.SaveUser(mgr); err != nil {
					return err
				}
				locale := "en"
				if bu.zh {
					locale = "zh"
				}
				su := &crm.User{Base: team, Name: fmt.Sprintf("Sales %02d", u), Phones: []string{bu.phone},
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
						k := u*4 + j
						word := benchSyl1[k/16] + benchSyl2[k%16]
						name = strings.ToUpper(word[:1]) + word[1:] + " " + benchIndustry[j]
						contact = benchContacts[(u+j)%len(benchContacts)]
						bu.accounts = append(bu.accounts, benchAccount{ref: word, contact: contact})
					} else {
						han := benchHan1[u/8] + benchHan2[u%8]
						name, contact = han+"矿业有限公司", "李刚"
						bu.zhRef = han + "矿业"
					}
					a := &crm.Account{Base: owner, Name: name, City: "Shenyang", Industry: "mining"}
					c := &crm.Contact{Base: owner, Name: contact, Title: "purchasing manager", Mobile: fmt.Sprintf("139%04d%04d", u, j)}
					if err := tx.CreateAccount(a, c); err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
					accts = append(accts, a.ID)
					if j != 1 { // one without a machine: a VISIT there asks for one
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
				for k := range dones[u] + 4 {
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

// requests renders the planned messages as signed webhooks: request i comes
// from user i%64, with a fresh MessageSid.
func (w *benchCRM) requests(n int) []benchReq {
	reqs := make([]benchReq, n)
	url := benchPublicURL + twilio.SMSPath
	for i := range n {
		u := w.users[i%benchSenders]
		t := benchTemplates[w.plan[i]]
		k := i / benchSenders
		acct := u.accounts[k%len(u.accounts)]
		text := t.text
		text = strings.ReplaceAll(text, "%A", acct.ref)
		text = strings.ReplaceAll(text, "%C", acct.contact)
		text = strings.ReplaceAll(text, "%Z", u.zhRef)
		if strings.Contains(text, "%D") {
			text = strings.ReplaceAll(text, "%D", strconv.FormatInt(u.open[u.nextOpen], 10))
			u.nextOpen++
		}
		sid := fmt.Sprintf("SM%08x%024x", w.run, i)
		form := twiliotest.InboundForm(sid, u.phone, benchOurNumber, text)
		reqs[i] = benchReq{sid: sid, body: form.Encode(), sig: twiliotest.Sign(twiliotest.AuthToken, url, form), tpl: w.plan[i]}
	}
	return reqs
}

// closeAndVerify stops Main and checks in the closed file that every 200
// answer has its claim, that there is no other claim, and that the
// activities created are those the carried-out messages create.
func (w *benchCRM) closeAndVerify(b *testing.B, reqs []benchReq, st *benchStats) {
	b.Helper()
	dbs := w.m.Store.BoltDB().Stats()
	dbs = dbs.Sub(&w.stats0)
	wr := w.m.Store.WriterStats()
	wr.Commits -= w.wr0.Commits
	wr.Requests -= w.wr0.Requests
	wr.Reruns -= w.wr0.Reruns
	wr.Run -= w.wr0.Run
	wr.Commit -= w.wr0.Commit
	if err := w.m.Close(); err != nil {
		b.Fatal(err)
	}
	db, err := bolt.Open(w.dbPath, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	type claim struct {
		Verb string `json:"verb"`
		Code string `json:"code"`
	}
	claims := map[string]claim{}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("gw/claims")).ForEach(func(k, v []byte) error {
			var c claim
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			claims[strings.TrimPrefix(string(k), "sms\x00")] = c
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	acts := benchCount(b, db, "rec/activity") - w.acts0
	outbox := benchCount(b, db, "outbox/entries")
	// the activities each message's change set created: a visit closes a
	// planned one instead of creating its own when there is one, so the
	// templates' counts are what a message creates at most
	created, changed := map[string]int{}, map[string]bool{}
	err = db.View(func(tx *bolt.Tx) error { // the file as serve left it
		return tx.Bucket([]byte("changesets")).ForEach(func(_, data []byte) error {
			var cs crm.ChangeSet
			if json.Unmarshal(data, &cs) == nil && cs.MessageID != "" {
				changed[cs.MessageID] = len(cs.Changes) > 0
				for _, c := range cs.Changes {
					if c.Kind == crm.KindActivity && c.Op == crm.OpCreate {
						created[cs.MessageID]++
					}
				}
			}
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	wantActs, missing, unchanged := 0, 0, 0
	outcomes := map[string]int{}
	for i, r := range reqs {
		if !st.acked[i] {
			continue
		}
		c, found := claims[r.sid]
		if !found {
			missing++
			continue
		}
		t := benchTemplates[r.tpl]
		code := c.Code
		if code == "" {
			code = "ok"
			wantActs += created[r.sid]
			if t.acts > 0 && !changed[r.sid] || created[r.sid] > t.acts {
				unchanged++
			}
		}
		outcomes[t.name+":"+code]++
	}
	if missing > 0 || len(claims) != st.ackN {
		b.Errorf("durability: %d answers 200, %d claims stored, %d messages answered 200 have no claim", st.ackN, len(claims), missing)
	}
	if acts != wantActs || unchanged > 0 {
		b.Errorf("durability: %d activities stored, the carried-out messages' change sets create %d; %d carried out without a change, or with more activities than they make",
			acts, wantActs, unchanged)
	}
	if b.N > 1 || len(reqs) > 1 {
		keys := make([]string, 0, len(outcomes))
		for k := range outcomes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var sb strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&sb, " %s=%d", k, outcomes[k])
		}
		b.Logf("%d requests, %d answered 200 (%d with a reply), %d claims, %d activities created, %d outbox entries; "+
			"bbolt during the run: %v writing pages + fdatasync, %v spilling, %d pages written; "+
			"writer: %d commits, %.1f requests per commit, %.1f pages per commit, %d batches run again, %v running requests, %v committing; outcomes:%s",
			len(reqs), st.ackN, st.okN, len(claims), acts, outbox, dbs.TxStats.GetWriteTime().Round(time.Millisecond),
			dbs.TxStats.GetSpillTime().Round(time.Millisecond), dbs.TxStats.GetWrite(),
			wr.Commits, float64(wr.Requests)/max(float64(wr.Commits), 1), float64(dbs.TxStats.GetWrite())/max(float64(wr.Commits), 1),
			wr.Reruns, wr.Run.Round(time.Millisecond), wr.Commit.Round(time.Millisecond), sb.String())
	}
}

func benchCount(b *testing.B, db *bolt.DB, bucket string) int {
	n := 0
	err := db.View(func(tx *bolt.Tx) error {
		if bk := tx.Bucket([]byte(bucket)); bk != nil { // a space is made at its first write
			n = bk.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// ---- the baseline: a minimal durable webhook ----

var (
	benchBktClaims  = []byte("claims")
	benchBktRecords = []byte("records")
	benchErrDup     = errors.New("duplicate MessageSid")
)

type benchBaseline struct {
	db     *bolt.DB
	srv    *http.Server
	ln     net.Listener
	url    string
	client *http.Client
	mode   string
	commit func(sid string, rec []byte) error

	writes  chan *benchWrite // group commit
	closing chan struct{}
	wg      sync.WaitGroup
}

type benchWrite struct {
	sid  string
	rec  []byte
	err  error
	done chan struct{}
}

// benchStartBaseline serves the minimal durable webhook on loopback: check
// the signature, parse the form, and in one transaction claim the
// MessageSid (refusing a duplicate) and put one record, committed with fsync
// before the 200 and its empty TwiML. mode is how transactions are made:
// "group" (a single writer committing whatever queued up during the previous
// commit, as crm.Store does), "dbbatch" (bbolt's db.Batch, defaults) or
// "update" (one db.Update per request).
func benchStartBaseline(b *testing.B, dir, mode string) *benchBaseline {
	b.Helper()
	path := filepath.Join(dir, fmt.Sprintf("baseline-%s-%d.db", mode, benchRun.Add(1)))
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, k := range [][]byte{benchBktClaims, benchBktRecords} {
			if _, err := tx.CreateBucketIfNotExists(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	bl := &benchBaseline{db: db, mode: mode}
	switch mode {
	case "group":
		bl.writes, bl.closing = make(chan *benchWrite, 4096), make(chan struct{})
		bl.wg.Add(1)
		go bl.writer()
		bl.commit = func(sid string, rec []byte) error {
			r := &benchWrite{sid: sid, rec: rec, done: make(chan struct{})}
			bl.writes <- r
			<-r.done
			return r.err
		}
	case "dbbatch":
		bl.commit = func(sid string, rec []byte) error {
			return db.Batch(func(tx *bolt.Tx) error { return benchPut(tx, sid, rec) })
		}
	case "update":
		bl.commit = func(sid string, rec []byte) error {
			return db.Update(func(tx *bolt.Tx) error { return benchPut(tx, sid, rec) })
		}
	default:
		b.Fatalf("mode %q", mode)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+twilio.SMSPath, bl.sms)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	bl.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if bl.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	go bl.srv.Serve(bl.ln)
	b.Cleanup(func() { bl.close() })
	bl.url = "http://" + bl.ln.Addr().String() + twilio.SMSPath
	bl.client = benchClient(benchSenders)
	return bl
}

func (bl *benchBaseline) sms(w http.ResponseWriter, r *http.Request) {
	in, err := twilio.ParseInbound(r, twilio.MaxBody)
	if err != nil {
		http.Error(w, err.Error(), twilio.StatusOf(err))
		return
	}
	if !twilio.Validate(twiliotest.AuthToken, benchPublicURL+twilio.SMSPath, in.Form, r.Header.Get(twilio.SignatureHeader)) {
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	rec, _ := json.Marshal(struct {
		SID, From, Body string
		At              time.Time
	}{in.MessageSid, in.From, in.Body, time.Now()})
	if err := bl.commit(in.MessageSid, rec); err != nil && !errors.Is(err, benchErrDup) {
		http.Error(w, "not stored", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", twilio.TwiMLContentType)
	w.Write(twilio.TwiML(""))
}

// benchPut claims sid and stores rec under the next record id.
func benchPut(tx *bolt.Tx, sid string, rec []byte) error {
	claims, records := tx.Bucket(benchBktClaims), tx.Bucket(benchBktRecords)
	if claims.Get([]byte(sid)) != nil {
		return benchErrDup
	}
	id, err := records.NextSequence()
	if err != nil {
		return err
	}
	key := binary.BigEndian.AppendUint64(nil, id)
	if err := claims.Put([]byte(sid), key); err != nil {
		return err
	}
	return records.Put(key, rec)
}

// writer is the group commit: one request, then whatever queued up
// meanwhile (up to 1000), in one transaction and one fsync.
func (bl *benchBaseline) writer() {
	defer bl.wg.Done()
	batch := make([]*benchWrite, 0, 1000)
	for {
		select {
		case r := <-bl.writes:
			batch = append(batch[:0], r)
		case <-bl.closing:
			return
		}
	fill:
		for len(batch) < cap(batch) {
			select {
			case r := <-bl.writes:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		err := bl.db.Update(func(tx *bolt.Tx) error {
			for _, r := range batch {
				r.err = benchPut(tx, r.sid, r.rec) // refused before writing: nothing to undo
				if r.err != nil && !errors.Is(r.err, benchErrDup) {
					return r.err
				}
			}
			return nil
		})
		for _, r := range batch {
			if err != nil {
				r.err = err
			}
			close(r.done)
		}
	}
}

func (bl *benchBaseline) close() {
	if bl.srv == nil {
		return
	}
	bl.srv.Close()
	bl.srv = nil
	if bl.closing != nil {
		close(bl.closing)
		bl.wg.Wait()
	}
	bl.db.Close()
}

func (bl *benchBaseline) closeAndVerify(b *testing.B, st *benchStats) {
	b.Helper()
	claims := benchCount(b, bl.db, string(benchBktClaims))
	records := benchCount(b, bl.db, string(benchBktRecords))
	bl.close()
	if claims != st.ackN || records != st.ackN {
		b.Errorf("durability: %d answers 200, %d claims, %d records", st.ackN, claims, records)
	}
}

// benchBaselineRequests are n signed webhooks from the 64 senders.
func benchBaselineRequests(n int) []benchReq {
	run := benchRun.Add(1)
	url := benchPublicURL + twilio.SMSPath
	reqs := make([]benchReq, n)
	for i := range n {
		sid := fmt.Sprintf("SM%08x%024x", run, i)
		form := twiliotest.InboundForm(sid, fmt.Sprintf("+86138%08d", i%benchSenders+1), benchOurNumber,
			"VISIT huaxin; met Zhang Wei; wants 2 x 320D; next: quote fri")
		reqs[i] = benchReq{sid: sid, body: form.Encode(), sig: twiliotest.Sign(twiliotest.AuthToken, url, form), tpl: -1}
	}
	return reqs
}

// ---- load generators ----

func benchClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy: nil, MaxIdleConns: 0, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
		DisableCompression: true, ForceAttemptHTTP2: false,
	}}
}

// benchWarm opens the client's connections (GET /healthz, 64 at once) so
// that the open loop does not start by dialling.
func benchWarm(c *http.Client, base string) {
	var wg sync.WaitGroup
	for range benchSenders {
		wg.Go(func() {
			if resp, err := c.Get(base + "/healthz"); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
}

// benchCheckTwiML: fieldcrm must answer 200 with a <Message>.
func benchCheckTwiML(status int, body []byte) bool {
	return status == http.StatusOK && bytes.Contains(body, []byte("<Message>"))
}

// benchCheckOK: the baseline answers 200 with an empty TwiML.
func benchCheckOK(status int, body []byte) bool {
	return status == http.StatusOK && bytes.Contains(body, []byte("<Response/>"))
}

// benchSend posts one prebuilt webhook and says whether it was acknowledged
// (200: Twilio will not deliver it again) and whether the answer is right.
func benchSend(c *http.Client, url string, r *benchReq, check func(int, []byte) bool) (acked, ok bool, err error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(r.body))
	if err != nil {
		return false, false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set(twilio.SignatureHeader, r.sig)
	resp, err := c.Do(req)
	if err != nil {
		return false, false, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return false, false, err
	}
	acked = resp.StatusCode == http.StatusOK
	if !check(resp.StatusCode, body) {
		return acked, false, fmt.Errorf("answer %d: %.200s", resp.StatusCode, body)
	}
	return acked, true, nil
}

type benchStats struct {
	lat     []time.Duration // per request
	ok      []bool          // answered as expected (fieldcrm: 200 with a <Message>)
	acked   []bool          // answered 200, whatever the body: must be durable
	okN     int
	ackN    int
	errs    int
	firstE  error
	elapsed time.Duration
	rps     float64 // 200 answers per second
	sorted  []time.Duration
}

func (st *benchStats) finish() {
	st.sorted = make([]time.Duration, 0, len(st.lat))
	for i, ok := range st.ok {
		if st.acked[i] {
			st.ackN++
		}
		if ok {
			st.okN++
		}
		if st.acked[i] || ok {
			st.sorted = append(st.sorted, st.lat[i])
		}
	}
	st.errs = len(st.ok) - st.okN
	slices.Sort(st.sorted)
	if st.elapsed > 0 {
		st.rps = float64(st.okN) / st.elapsed.Seconds()
	}
}

func (st *benchStats) pct(p float64) float64 {
	if len(st.sorted) == 0 {
		return 0
	}
	i := max(int(math.Ceil(p*float64(len(st.sorted))))-1, 0)
	return float64(st.sorted[i]) / float64(time.Millisecond)
}

func (st *benchStats) report(b *testing.B, p999 bool) {
	b.ReportMetric(st.rps, "req/s")
	b.ReportMetric(st.pct(0.50), "p50-ms")
	b.ReportMetric(st.pct(0.99), "p99-ms")
	if p999 {
		b.ReportMetric(st.pct(0.999), "p999-ms")
	}
	b.ReportMetric(float64(st.errs), "errors")
	if st.errs > 0 {
		b.Errorf("%d of %d requests failed; first: %v", st.errs, len(st.ok), st.firstE)
	}
}

// benchClosed sends reqs from 64 goroutines, each back to back: goroutine g
// sends requests g, g+64, … (so each sender is one user, in order).
func benchClosed(c *http.Client, url string, reqs []benchReq, check func(int, []byte) bool) *benchStats {
	st := &benchStats{lat: make([]time.Duration, len(reqs)), ok: make([]bool, len(reqs)), acked: make([]bool, len(reqs))}
	var errMu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for g := range benchSenders {
		wg.Go(func() {
			for i := g; i < len(reqs); i += benchSenders {
				t0 := time.Now()
				acked, ok, err := benchSend(c, url, &reqs[i], check)
				st.lat[i], st.ok[i], st.acked[i] = time.Since(t0), ok, acked
				if err != nil {
					errMu.Lock()
					if st.firstE == nil {
						st.firstE = err
					}
					errMu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	st.elapsed = time.Since(start)
	st.finish()
	return st
}

// benchOpen sends reqs at rate per second on a fixed schedule, whatever the
// answers: request i is due at start + i/rate and goes in its own goroutine;
// its latency counts from when it was due. A 1 ms ticker releases every
// request whose time has come (a late tick releases several: none is lost).
func benchOpen(c *http.Client, url string, reqs []benchReq, rate int, check func(int, []byte) bool) *benchStats {
	st := &benchStats{lat: make([]time.Duration, len(reqs)), ok: make([]bool, len(reqs)), acked: make([]bool, len(reqs))}
	interval := time.Second / time.Duration(rate)
	var errMu sync.Mutex
	var wg sync.WaitGroup
	tick := time.NewTicker(min(interval, time.Millisecond))
	defer tick.Stop()
	start := time.Now()
	for next := 0; next < len(reqs); {
		now := <-tick.C
		for ; next < len(reqs); next++ {
			i, due := next, start.Add(time.Duration(next)*interval)
			if due.After(now) {
				break
			}
			wg.Go(func() {
				acked, ok, err := benchSend(c, url, &reqs[i], check)
				st.lat[i], st.ok[i], st.acked[i] = time.Since(due), ok, acked
				if err != nil {
					errMu.Lock()
					if st.firstE == nil {
						st.firstE = err
					}
					errMu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	st.elapsed = time.Since(start)
	st.finish()
	return st
}
