package outbox

// Several nodes on one outbox: Workers on ONE store, each a node with its
// own name, sending through a provider on loopback HTTP.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// httpProvider is a provider's REST API on loopback: it accepts every
// message (or holds it, when hold says so) and counts the requests per
// outbox entry.
type httpProvider struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs map[int64]int
	seq  int
	// hold, when set, is called before answering: it may block (a provider
	// that hangs).
	hold func(id int64, from string)
}

func newHTTPProvider(t *testing.T) *httpProvider {
	p := &httpProvider{reqs: map[int64]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		id, _ := strconv.ParseInt(r.PostForm.Get("Id"), 10, 64)
		p.mu.Lock()
		p.reqs[id]++
		p.seq++
		sid := fmt.Sprintf("SM%08d", p.seq)
		hold := p.hold
		p.mu.Unlock()
		if hold != nil {
			hold(id, r.PostForm.Get("From"))
		}
		io.WriteString(w, sid)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *httpProvider) requests(id int64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reqs[id]
}

func (p *httpProvider) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seq
}

// Send posts the entry to the provider.
func (p *httpProvider) Send(ctx context.Context, e *Entry) (string, int, error) {
	form := url.Values{"Id": {fmt.Sprint(e.ID)}, "To": {e.To}, "From": {e.From}, "Body": {e.Body}}
	req, err := http.NewRequestWithContext(ctx, "POST", p.srv.URL, nil)
	if err != nil {
		return "", 0, err
	}
	req.Body = io.NopCloser(strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.srv.Client().Do(req)
	if err != nil {
		return "", 0, &SendError{Retryable: true, Msg: err.Error()}
	}
	defer resp.Body.Close()
	sid, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return "", 0, &SendError{Retryable: true, HTTPStatus: resp.StatusCode, Msg: fmt.Sprint(err)}
	}
	return string(sid), 1, nil
}

// node runs a worker until stop (or the end of the test).
type node struct {
	w      *Worker
	cancel context.CancelFunc
	done   chan error
}

func runNode(t *testing.T, w *Worker) *node {
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{w: w, cancel: cancel, done: make(chan error, 1)}
	go func() { n.done <- w.Run(ctx) }()
	t.Cleanup(func() { n.cancel(); <-n.done })
	return n
}

// clock is a settable clock shared by the nodes of a test.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func (c *clock) now() time.Time   { return time.Unix(0, c.ns.Load()) }
func (c *clock) add(d time.Duration) {
	c.ns.Add(int64(d))
}

// waitFor polls cond (real time) until it holds.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", limit, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// 300 entries drained by 3 nodes at once: every entry reaches the provider
// exactly once, and every node took part.
func TestNodesSendEachEntryOnce(t *testing.T) {
	db := mustOpenDB(t)
	p := newHTTPProvider(t)
	const n = 300
	var ids []int64
	for i := range n {
		ids = append(ids, mustEnqueue(t, db, sms(fmt.Sprintf("+1555%07d", i), fmt.Sprint("notice ", i))))
	}
	var nodes []*node
	for range 3 {
		w := New(db, Config{Rate: -1, Concurrency: 4, Batch: 20}, map[string]Sender{ChannelSMS: p}, nil, time.Now)
		nodes = append(nodes, runNode(t, w))
	}
	waitFor(t, 30*time.Second, "every entry sent", func() bool {
		st, _ := Stats(db, time.Now())
		return st.Depth[StateSent] == n
	})
	for _, id := range ids {
		if r := p.requests(id); r != 1 {
			t.Errorf("entry %d: %d requests to the provider, want 1", id, r)
		}
		if e := mustGet(t, db, id); e.LeasedBy != "" || !e.LeaseUntil.IsZero() || e.Attempts != 1 {
			t.Errorf("entry %d after sending: lease %q %v, attempts %d", id, e.LeasedBy, e.LeaseUntil, e.Attempts)
		}
	}
	if p.total() != n {
		t.Errorf("%d requests, want %d", p.total(), n)
	}
	var sum int64
	for i, nd := range nodes {
		sent, _, _, _ := nd.w.Counters()
		if sent == 0 {
			t.Errorf("node %d sent nothing: the test did not run the nodes at once", i)
		}
		if nd.w.Lost() != 0 || nd.w.InDoubt() != 0 {
			t.Errorf("node %d: lost %d in doubt %d", i, nd.w.Lost(), nd.w.InDoubt())
		}
		sum += sent
	}
	if sum != n {
		t.Errorf("the nodes counted %d sends, want %d", sum, n)
	}
}

// A node that dies in the middle of a send (its provider call hangs, its
// Run is stopped) keeps its entry until the lease expires: no other node
// sends it before; one does after; and the dead node's outcome, coming back
// while the other node is sending, is dropped.
func TestNodeDiesMidSend(t *testing.T) {
	db := mustOpenDB(t)
	p := newHTTPProvider(t)
	clk := newClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	releaseA, releaseB := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var calls atomic.Int32
	p.hold = func(id int64, _ string) {
		switch calls.Add(1) {
		case 1: // node A's
			<-releaseA
		case 2: // node B's
			<-releaseB
		}
	}
	cfg := Config{Rate: -1, SendTimeout: time.Minute} // a lease of 2 minutes
	id, _, err := EnqueueDB(db, sms("+15550100", "assigned #17"), clk.now())
	if err != nil {
		t.Fatal(err)
	}
	a := runNode(t, New(db, cfg, map[string]Sender{ChannelSMS: p}, nil, clk.now))
	t.Cleanup(func() { once.Do(func() { close(releaseA) }) }) // runs before A's cleanup waits for it
	waitFor(t, 5*time.Second, "node A's request", func() bool { return p.requests(id) == 1 })
	e := mustGet(t, db, id)
	if e.State != StateSending || e.LeasedBy != a.w.Node() || !e.LeaseUntil.Equal(clk.now().Add(2*time.Minute)) {
		t.Fatalf("taken by A: state %s lease %q until %v", e.State, e.LeasedBy, e.LeaseUntil)
	}
	a.cancel() // A is stopped: it records nothing until the test releases its request

	b := New(db, cfg, map[string]Sender{ChannelSMS: p}, nil, clk.now)
	ctx := context.Background()
	sem := make(chan struct{}, 4)
	if err := b.recoverInDoubt(ctx, true); err != nil { // B starts
		t.Fatal(err)
	}
	for _, d := range []time.Duration{0, time.Minute, 59 * time.Second} { // up to a second before the lease expires
		clk.add(d)
		if _, err := b.dispatch(ctx, sem); err != nil {
			t.Fatal(err)
		}
		if e := mustGet(t, db, id); p.requests(id) != 1 || e.State != StateSending || e.LeasedBy != a.w.Node() || b.InDoubt() != 0 {
			close(releaseB)
			t.Fatalf("at %v: %d requests, state %s, lease %q: B took the entry while A's lease was live",
				clk.now(), p.requests(id), e.State, e.LeasedBy)
		}
	}
	clk.add(2 * time.Second)                        // A's lease has expired
	if _, err := b.dispatch(ctx, sem); err != nil { // B recovers the entry and sends it again
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "node B's request", func() bool { return p.requests(id) == 2 })
	e = mustGet(t, db, id)
	if e.State != StateSending || e.LeasedBy != b.Node() || b.InDoubt() != 1 || e.Attempts != 2 {
		t.Fatalf("B's send: state %s lease %q in doubt %d attempts %d", e.State, e.LeasedBy, b.InDoubt(), e.Attempts)
	}
	once.Do(func() { close(releaseA) }) // A's provider call comes back while B's is under way
	if err := <-a.done; err != nil {
		t.Fatal(err)
	}
	a.done <- nil // for the cleanup
	if a.w.Lost() != 1 {
		t.Errorf("A lost %d outcomes, want 1", a.w.Lost())
	}
	if sent, _, _, _ := a.w.Counters(); sent != 0 {
		t.Errorf("A counted %d sends", sent)
	}
	if got := mustGet(t, db, id); got.State != StateSending || got.LeasedBy != b.Node() || got.ProviderID != "" {
		t.Errorf("A's outcome was recorded over B's lease: state %s lease %q provider id %q", got.State, got.LeasedBy, got.ProviderID)
	}
	close(releaseB)
	b.wg.Wait()
	e = mustGet(t, db, id)
	if p.requests(id) != 2 || e.State != StateSent || e.ProviderID != "SM00000002" || e.LeasedBy != "" {
		t.Fatalf("after B's send: %d requests, state %s, provider id %s, lease %q", p.requests(id), e.State, e.ProviderID, e.LeasedBy)
	}
	if sent, _, _, _ := b.Counters(); sent != 1 {
		t.Errorf("B counted %d sends", sent)
	}
}

// An entry claimed with too little lease left is not sent but put back.
func TestNoSendOnAShortLease(t *testing.T) {
	db := mustOpenDB(t)
	p := newHTTPProvider(t)
	clk := newClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	id, _, err := EnqueueDB(db, sms("+15550100", "x"), clk.now())
	if err != nil {
		t.Fatal(err)
	}
	w := New(db, Config{Rate: -1, SendTimeout: time.Minute}, map[string]Sender{ChannelSMS: p}, nil, clk.now)
	var c claim
	err = w.update(context.Background(), func(tx crm.ETx) error {
		c = claim{w: w, tx: tx, now: clk.now(), free: 4, slots: map[string]time.Time{}}
		return c.run()
	})
	if err != nil || len(c.picks) != 1 {
		t.Fatalf("claim: %v, %d picks", err, len(c.picks))
	}
	clk.add(61 * time.Second) // the process stalled: 59s of lease left, less than a send timeout
	sem := make(chan struct{}, 1)
	sem <- struct{}{}
	w.wg.Add(1)
	w.send(c.picks[0], sem)
	e := mustGet(t, db, id)
	if p.total() != 0 || e.State != StateQueued || e.Attempts != 0 || e.LeasedBy != "" {
		t.Fatalf("%d requests; entry %s attempts %d lease %q", p.total(), e.State, e.Attempts, e.LeasedBy)
	}
}

// A sender number's rate holds across nodes: two nodes sending from one
// number at 20 SMS/s take their slots one after the other.
func TestNodesShareSenderRate(t *testing.T) {
	db := mustOpenDB(t)
	p := newHTTPProvider(t)
	const n = 12
	var ids []int64
	for i := range n {
		ids = append(ids, mustEnqueue(t, db, sms(fmt.Sprintf("+1555%07d", i), "x")))
	}
	cfg := Config{From: []string{"+15550001"}, Rate: 20}
	a := runNode(t, New(db, cfg, map[string]Sender{ChannelSMS: p}, nil, time.Now))
	b := runNode(t, New(db, cfg, map[string]Sender{ChannelSMS: p}, nil, time.Now))
	var claimed []time.Time
	waitFor(t, 10*time.Second, "every entry sent", func() bool {
		st, _ := Stats(db, time.Now())
		return st.Depth[StateSent] == n
	})
	for _, id := range ids {
		e := mustGet(t, db, id)
		for _, h := range e.StatusHistory {
			if h.Status == StateSending {
				claimed = append(claimed, h.At)
			}
		}
	}
	slices.SortFunc(claimed, time.Time.Compare)
	for i := 1; i < len(claimed); i++ {
		if d := claimed[i].Sub(claimed[i-1]); d < 50*time.Millisecond {
			t.Errorf("sends %d and %d from one number %v apart, want ≥ 50ms at 20/s", i-1, i, d)
		}
	}
	sa, _, _, _ := a.w.Counters()
	sb, _, _, _ := b.w.Counters()
	t.Logf("node A sent %d, node B %d", sa, sb)
	if sa+sb != n {
		t.Errorf("%d + %d sends, want %d", sa, sb, n)
	}
}

// A recipient's frequency limit holds across nodes: of 5 notices to each of
// 20 numbers under 3 an hour, three nodes send exactly 3 to each number and
// hold the rest.
func TestNodesShareRecipientLimits(t *testing.T) {
	db := mustOpenDB(t)
	p := newHTTPProvider(t)
	to := map[int64]string{}
	for i := range 5 {
		for j := range 20 {
			e := &Entry{Channel: ChannelSMS, To: fmt.Sprintf("+86138%08d", j), Body: fmt.Sprint("notice ", i), Key: fmt.Sprint("n", i, "|", j)}
			to[mustEnqueue(t, db, e)] = e.To
		}
	}
	cfg := Config{Rate: -1, Batch: 4, Concurrency: 2, RecipientLimits: func(string) []Limit { return []Limit{{Max: 3, Per: time.Hour}} }}
	var nodes []*node
	for range 3 {
		nodes = append(nodes, runNode(t, New(db, cfg, map[string]Sender{ChannelSMS: p}, nil, time.Now)))
	}
	waitFor(t, 10*time.Second, "60 sent, 40 held", func() bool {
		st, _ := Stats(db, time.Now())
		return st.Depth[StateSent]+st.Depth[StateSending] >= 60 && st.Limited+st.Depth[StateSent] == 100
	})
	for _, nd := range nodes {
		nd.w.Kick()
	}
	time.Sleep(100 * time.Millisecond)
	perNumber := map[string]int{}
	for id, num := range to {
		r := p.requests(id)
		if r > 1 {
			t.Errorf("entry %d sent %d times", id, r)
		}
		perNumber[num] += r
	}
	for num, n := range perNumber {
		if n != 3 {
			t.Errorf("%d SMS to %s under a limit of 3 an hour", n, num)
		}
	}
	if st, _ := Stats(db, time.Now()); st.Depth[StateSent] != 60 || st.Limited != 40 {
		t.Errorf("%d sent, %d held, want 60 and 40", st.Depth[StateSent], st.Limited)
	}
}

// On bbolt (one process holds the file) a restart does not wait out the
// lease its dead predecessor left: the entry is in doubt at once.
func TestRestartTakesOverAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	clk := newClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	db := openDB(t, path)
	id, _, err := EnqueueDB(db, sms("+15550100", "assigned #17"), clk.now())
	if err != nil {
		t.Fatal(err)
	}
	old := New(db, Config{Rate: -1}, map[string]Sender{ChannelSMS: &fakeSender{}}, nil, clk.now)
	err = old.update(context.Background(), func(tx crm.ETx) error {
		c := claim{w: old, tx: tx, now: clk.now(), free: 4, slots: map[string]time.Time{}}
		return c.run()
	})
	if e := mustGet(t, db, id); err != nil || e.State != StateSending || e.LeasedBy != old.Node() {
		t.Fatalf("claim: %v; %+v", err, e)
	}
	db.Close() // the process dies with the entry in its send window

	db = openDB(t, path)
	defer db.Close()
	p := newHTTPProvider(t)
	w := New(db, Config{Rate: -1}, map[string]Sender{ChannelSMS: p}, nil, clk.now)
	if !strings.HasPrefix(w.Node(), crm.Opening(db)+"#") || strings.HasPrefix(old.Node(), crm.Opening(db)+"#") { // a new opening: the old one is gone
		t.Fatalf("nodes %q and %q", old.Node(), w.Node())
	}
	runNode(t, w)
	waitFor(t, 5*time.Second, "the entry sent again", func() bool { return mustGet(t, db, id).State == StateSent })
	if p.requests(id) != 1 || w.InDoubt() != 1 {
		t.Errorf("%d requests, in doubt %d", p.requests(id), w.InDoubt())
	}
}
