package smsroute_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/gateway/smsroute"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"", "*=twilio", ""},
		{"+86=aliyun,*=twilio", "+86=aliyun *=twilio", ""},
		{" +86 = Aliyun , +852=twilio, *=twilio ", "+86=aliyun +852=twilio *=twilio", ""},
		{"+86", "", "not prefix=provider"},
		{"86=aliyun", "", "must be + and digits"},
		{"+86=aliyun,+86=twilio", "", "routed twice"},
		{"+86=ali yun", "", "not a provider name"},
	} {
		got, err := smsroute.Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		s := ""
		for i, r := range got {
			if i > 0 {
				s += " "
			}
			s += r.String()
		}
		if s != tc.want {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, s, tc.want)
		}
	}
}

func TestPickLongestPrefix(t *testing.T) {
	routes, _ := smsroute.Parse("*=twilio,+86=aliyun,+8613800=test")
	for number, want := range map[string]string{
		"+8613900000001": "aliyun", "+8613800000001": "test", "+14155550100": "twilio", "+852912345678": "twilio",
	} {
		if got := smsroute.Pick(routes, number); got != want {
			t.Errorf("Pick(%s) = %q, want %q", number, got, want)
		}
	}
	noDefault, _ := smsroute.Parse("+86=aliyun")
	if got := smsroute.Pick(noDefault, "+14155550100"); got != "" {
		t.Errorf("without *, a +1 number went to %q", got)
	}
}

// stub stands in for a provider: it records what it was given.
type stub struct {
	name string
	mu   sync.Mutex
	to   []string
	fail bool
}

func (s *stub) Send(ctx context.Context, e *outbox.Entry) (string, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.to = append(s.to, e.To)
	if s.fail {
		return "", 0, &outbox.SendError{Msg: "refused"}
	}
	return fmt.Sprintf("%s-%d", s.name, len(s.to)), 1, nil
}

// The real outbox worker on a real bbolt file sends through the router:
// each entry goes to its number's provider and records which one.
func TestRouterThroughWorker(t *testing.T) {
	st, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.Engine()
	ali, tw := &stub{name: "ali"}, &stub{name: "tw"}
	routes, _ := smsroute.Parse("+86=aliyun,*=twilio")
	r, err := smsroute.New(routes, map[string]outbox.Sender{"aliyun": ali, "twilio": tw})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := smsroute.New(routes, map[string]outbox.Sender{"twilio": tw}); err == nil {
		t.Fatal("a route without a sender was accepted")
	}
	now := time.Now()
	ids := map[string]int64{}
	for _, to := range []string{"+8613800000002", "+14155550100", "+8613800000003"} {
		id, _, err := outbox.EnqueueDB(db, &outbox.Entry{Channel: outbox.ChannelSMS, To: to, Body: "OK visit #1"}, now)
		if err != nil {
			t.Fatal(err)
		}
		ids[to] = id
	}
	w := outbox.New(db, outbox.Config{Rate: -1}, map[string]outbox.Sender{outbox.ChannelSMS: r}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if sent, _, _, _ := w.Counters(); sent == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not sent in 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if len(ali.to) != 2 || len(tw.to) != 1 || tw.to[0] != "+14155550100" {
		t.Fatalf("aliyun got %v, twilio got %v", ali.to, tw.to)
	}
	for to, id := range ids {
		e, err := outbox.Get(db, id)
		if err != nil {
			t.Fatal(err)
		}
		want := "twilio"
		if to[:3] == "+86" {
			want = "aliyun"
		}
		if e.Provider != want || e.State != outbox.StateSent {
			t.Errorf("%s: provider %q state %s, want %s sent", to, e.Provider, e.State, want)
		}
	}
}

func TestRouterMarksErrors(t *testing.T) {
	routes, _ := smsroute.Parse("+86=aliyun,*=twilio")
	r, _ := smsroute.New(routes, map[string]outbox.Sender{"aliyun": &stub{fail: true}, "twilio": &stub{}})
	e := &outbox.Entry{Channel: outbox.ChannelSMS, To: "+8613800000002", Body: "x"}
	_, _, err := r.Send(context.Background(), e)
	se, ok := err.(*outbox.SendError)
	if !ok || se.Provider != "aliyun" || e.Provider != "aliyun" {
		t.Fatalf("err %#v, entry provider %q", err, e.Provider)
	}
}
