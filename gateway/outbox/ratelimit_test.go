package outbox

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// Twilio meters a long code at 1 segment per second: a 3-segment notice
// takes three of its slots.
func TestRateLimitCountsSegments(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{segs: 3}
		w := start(t, db, Config{}, s)
		for i := range 10 {
			mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: fmt.Sprintf("+1555010%d", i), Body: "x", From: "+15550001", Segments: 3})
		}
		w.Kick()
		c := s.waitCalls(t, 10, 5*time.Minute)
		if d := c[9].At.Sub(c[0].At); d < 27*time.Second || d > 28*time.Second {
			t.Errorf("ten 3-segment messages from one number took %v, want 27s (30 slots at 1/s)", d)
		}
		for i := 1; i < 10; i++ {
			if gap := c[i].At.Sub(c[i-1].At); gap < 3*time.Second {
				t.Errorf("gap %d: %v < 3s", i, gap)
			}
		}
	})
}

func TestRateLimitSegmentsSpreadOverNumbers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{segs: 3}
		w := start(t, db, Config{From: []string{"+15550001", "+15550002"}}, s)
		for i := range 10 {
			mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: fmt.Sprintf("+1555010%d", i), Body: "x", Segments: 3})
		}
		w.Kick()
		c := s.waitCalls(t, 10, 5*time.Minute)
		if d := c[9].At.Sub(c[0].At); d < 12*time.Second || d > 13*time.Second {
			t.Errorf("ten 3-segment messages over two numbers took %v, want 12s", d)
		}
		by := map[string][]time.Time{}
		for _, x := range c {
			by[x.From] = append(by[x.From], x.At)
		}
		for from, ts := range by {
			if len(ts) != 5 {
				t.Errorf("%s sent %d, want 5", from, len(ts))
			}
			for i := 1; i < len(ts); i++ {
				if gap := ts[i].Sub(ts[i-1]); gap < 3*time.Second {
					t.Errorf("%s gap %d: %v < 3s", from, i, gap)
				}
			}
		}
	})
}

// An entry whose enqueuer did not count its segments takes one slot; when
// the provider reports three, the number's next slot moves back by two.
func TestRateLimitProviderCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := mustOpenDB(t)
		s := &fakeSender{segs: 3}
		w := start(t, db, Config{}, s)
		first := mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: "+15550100", Body: "long", From: "+15550001"})
		w.Kick()
		s.waitCalls(t, 1, time.Minute)
		if e := waitState(t, db, first, StateSent); e.Segments != 3 {
			t.Errorf("entry records %d segments, want the provider's 3", e.Segments)
		}
		mustEnqueue(t, db, &Entry{Channel: ChannelSMS, To: "+15550101", Body: "next", From: "+15550001", Segments: 1})
		w.Kick()
		c := s.waitCalls(t, 2, time.Minute)
		if d := c[1].At.Sub(c[0].At); d < 3*time.Second || d > 4*time.Second {
			t.Errorf("the next message went %v after a 3-segment one counted as 1, want 3s", d)
		}
	})
}
