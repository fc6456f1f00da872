package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/twilio"
)

// outcome is what became of one message.
type outcome struct {
	message
	acked    bool          // answered 200: Twilio will not deliver it again
	reply    bool          // the 200 carried a <Message>
	status   int           // the last HTTP status (0: no answer)
	attempts int           // posts made
	lat      time.Duration // first post to the final answer
	// twice: the first attempt went to two nodes at once (as a balancer
	// that retries too early does); both answers are kept.
	twice    bool
	bodies   [2]string // with twice: the two answers' bodies (both 200)
	statuses [2]int    // with twice: the two answers' statuses
}

// loadRun is one closed loop: each sender sends his messages back to back
// until the deadline, retrying (same MessageSid) what got no HTTP answer or
// a 5xx, as Twilio does.
type loadRun struct {
	outs    [][]outcome // per sender
	elapsed time.Duration
}

func newClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy: nil, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
}

// post sends one webhook once: the HTTP status (0 when no answer) and
// the body.
func post(c *http.Client, url string, m *message) (int, string) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(m.body))
	if err != nil {
		return 0, ""
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set(twilio.SignatureHeader, m.sig)
	resp, err := c.Do(req)
	if err != nil {
		return 0, ""
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, ""
	}
	return resp.StatusCode, string(body)
}

func hasReply(body string) bool { return strings.Contains(body, "<Message>") }

// twiceEvery: with several nodes, every twiceEvery-th message of a sender
// goes to two nodes at once (the same MessageSid).
const twiceEvery = 20

// runLoad drives the nodes at addrs with users until dur has passed (a
// message started is retried until answered, or until giveUp). Each sender
// takes the nodes in turn, one message each (a round-robin balancer); a
// retry goes to the next node. With several nodes every twiceEvery-th
// message is first posted to two nodes at once.
func runLoad(addrs []string, users []*salesman, run int, dur, giveUp time.Duration) *loadRun {
	urls := make([]string, len(addrs))
	for i, a := range addrs {
		urls[i] = "http://" + a + twilio.SMSPath
	}
	c := newClient(len(users))
	lr := &loadRun{outs: make([][]outcome, len(users))}
	start := time.Now()
	deadline, hard := start.Add(dur), start.Add(dur+giveUp)
	var wg sync.WaitGroup
	for ui, u := range users {
		wg.Go(func() {
			node := ui % len(urls) // the senders start spread over the nodes
			for i := 0; time.Now().Before(deadline); i++ {
				o := outcome{message: u.next(run, ui)}
				t0 := time.Now()
				if len(urls) > 1 && i%twiceEvery == twiceEvery-1 {
					o.twice = true
				}
				for {
					o.attempts++
					var body string
					if o.twice && o.attempts == 1 {
						var wg2 sync.WaitGroup
						for k := range 2 {
							wg2.Go(func() {
								o.statuses[k], o.bodies[k] = post(c, urls[(node+k)%len(urls)], &o.message)
							})
						}
						wg2.Wait()
						o.status, body = o.statuses[0], o.bodies[0]
						if o.status != http.StatusOK {
							o.status, body = o.statuses[1], o.bodies[1]
						}
					} else {
						o.status, body = post(c, urls[node], &o.message)
					}
					node = (node + 1) % len(urls) // the next message, or a retry, goes to the next node
					if o.status == http.StatusOK {
						o.acked, o.reply = true, hasReply(body)
						break
					}
					if (o.status != 0 && o.status < 500) || time.Now().After(hard) {
						break
					}
					time.Sleep(time.Duration(10+rand.IntN(40)) * time.Millisecond) // serve is down or busy
				}
				o.lat = time.Since(t0)
				lr.outs[ui] = append(lr.outs[ui], o)
			}
		})
	}
	wg.Wait()
	lr.elapsed = time.Since(start)
	return lr
}

// stats sums a run up.
type stats struct {
	requests, acked, replies, errors, retried int
	twice                                     int     // first posted to two nodes at once
	rps, p50, p99, p999                       float64 // acknowledged per second; ms
}

func (lr *loadRun) stats() stats {
	var st stats
	var lat []time.Duration
	for _, os := range lr.outs {
		for _, o := range os {
			st.requests++
			if o.acked {
				st.acked++
				lat = append(lat, o.lat)
			} else {
				st.errors++
			}
			if o.reply {
				st.replies++
			}
			if o.attempts > 1 {
				st.retried++
			}
			if o.twice {
				st.twice++
			}
		}
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := max(int(math.Ceil(p*float64(len(lat))))-1, 0)
		return float64(lat[i]) / float64(time.Millisecond)
	}
	st.p50, st.p99, st.p999 = pct(0.50), pct(0.99), pct(0.999)
	st.rps = float64(st.acked) / lr.elapsed.Seconds()
	return st
}

// sampleRSS reads VmRSS of the nodes every 100 ms until stop is closed; the
// largest sum seen (kB).
func sampleRSS(srvs []*server, stop <-chan struct{}) *atomic.Int64 {
	var peak atomic.Int64
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var sum int64
			for _, s := range srvs {
				r, _ := rss(s.pid())
				sum += int64(r)
			}
			if sum > peak.Load() {
				peak.Store(sum)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return &peak
}

func fmtKB(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }
