package imapwatch

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
)

// fetchBudget bounds the bytes fetched by one FETCH of message bodies, so a
// batch of large messages is not held in memory at once.
const fetchBudget = 8 << 20

// meta is what the watcher learns about a message before fetching it.
type meta struct {
	size  int64
	flags []string
}

// round looks at every message in the folder once. Messages at or below
// the last UID handled were handled already but not moved (a move failed or
// the watcher stopped in between): they are only flagged and moved. Newer
// ones are offered to the handler, at most Batch of them; more reports that
// further messages are ready for another round at once.
func (s *session) round(ctx context.Context) (more bool, err error) {
	uids, err := s.search()
	if err != nil {
		return false, err
	}
	var old, fresh []imap.UID
	for _, uid := range uids {
		if uint32(uid) <= s.state.LastUID {
			old = append(old, uid)
		} else {
			fresh = append(fresh, uid)
		}
	}
	if len(old) > 0 {
		if err := s.finishOld(old); err != nil {
			return false, err
		}
	}
	batch, blocker, more := s.pick(fresh)
	if len(batch) == 0 {
		return more, nil
	}
	return more, s.handleBatch(ctx, batch, blocker)
}

// search lists the UIDs of all messages in the folder, ascending.
func (s *session) search() ([]imap.UID, error) {
	var data *imap.SearchData
	err := s.guard(func() (err error) {
		data, err = s.c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	inFolder := make(map[uint32]bool, len(uids))
	for _, uid := range uids {
		inFolder[uint32(uid)] = true
	}
	s.w.retryKeep(inFolder)
	return uids, nil
}

// pick chooses the new messages to offer now: those not waiting out a
// handler-error backoff, at most Batch. blocker is the lowest UID that is
// waiting (0 if none): the last UID handled cannot move past it.
func (s *session) pick(fresh []imap.UID) (batch []imap.UID, blocker uint32, more bool) {
	now := time.Now()
	for _, uid := range fresh {
		switch {
		case !s.w.retryDue(uint32(uid), now):
			if blocker == 0 {
				blocker = uint32(uid)
			}
		case len(batch) < s.w.cfg.Batch:
			batch = append(batch, uid)
		default:
			more = true
		}
	}
	return batch, blocker, more
}

// handleBatch fetches the batch in size-bounded chunks and offers each
// message to the handler in UID order. The last UID handled advances only
// while every message before it was handled, so a refused message is found
// again on the next round.
//
// The last UID is saved and the handled messages are flagged and moved once
// per chunk, not once per message: one bbolt commit and two IMAP commands
// for the chunk. Whatever way the chunk ends (an error, ctx done) what was
// handled is saved first; only a crash can offer a handled message again,
// and the handler dedupes by Message-ID.
func (s *session) handleBatch(ctx context.Context, batch []imap.UID, blocker uint32) error {
	metas, err := s.fetchMeta(batch)
	if err != nil {
		return err
	}
	inOrder := true
	for _, chunk := range s.chunks(batch, metas) {
		msgs, err := s.fetchBodies(chunk, metas)
		if err != nil {
			return err
		}
		var done imap.UIDSet
		var last uint32
		for _, m := range msgs {
			if err := s.offer(ctx, m); err != nil {
				inOrder = false
				continue
			}
			if inOrder && (blocker == 0 || m.UID < blocker) {
				last = m.UID
			}
			done.AddNum(imap.UID(m.UID))
		}
		if last > 0 {
			if err := s.advance(last); err != nil {
				return err
			}
		}
		if len(done) > 0 {
			if err := s.finish(done); err != nil {
				return err
			}
		}
	}
	return nil
}

// fetchMeta fetches size and flags of the batch.
func (s *session) fetchMeta(batch []imap.UID) (map[imap.UID]meta, error) {
	metas := make(map[imap.UID]meta, len(batch))
	err := s.guard(func() error {
		bufs, err := s.c.Fetch(imap.UIDSetNum(batch...), &imap.FetchOptions{
			UID: true, Flags: true, RFC822Size: true,
		}).Collect()
		for _, b := range bufs {
			m := meta{size: b.RFC822Size}
			for _, f := range b.Flags {
				m.flags = append(m.flags, string(f))
			}
			metas[b.UID] = m
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch flags: %w", err)
	}
	return metas, nil
}

// chunks splits the batch into runs whose bodies fit fetchBudget together.
// A message over MaxSize (fetched partially) always has a run of its own.
// Messages that vanished since the search are left out.
func (s *session) chunks(batch []imap.UID, metas map[imap.UID]meta) [][]imap.UID {
	var (
		out  [][]imap.UID
		cur  []imap.UID
		size int64
	)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur, size = nil, 0
	}
	for _, uid := range batch {
		m, ok := metas[uid]
		if !ok {
			continue
		}
		if m.size > s.w.cfg.MaxSize {
			flush()
			out = append(out, []imap.UID{uid})
			continue
		}
		if len(cur) > 0 && size+m.size > fetchBudget {
			flush()
		}
		cur = append(cur, uid)
		size += m.size
	}
	flush()
	return out
}

// fetchBodies downloads the chunk with BODY.PEEK[] (which leaves \Seen
// alone), or the first MaxSize bytes of a message over MaxSize. Messages come
// back in UID order.
func (s *session) fetchBodies(chunk []imap.UID, metas map[imap.UID]meta) ([]Message, error) {
	section := &imap.FetchItemBodySection{Peek: true}
	truncated := len(chunk) == 1 && metas[chunk[0]].size > s.w.cfg.MaxSize
	if truncated {
		section.Partial = &imap.SectionPartial{Offset: 0, Size: s.w.cfg.MaxSize}
	}
	var msgs []Message
	err := s.guard(func() error {
		bufs, err := s.c.Fetch(imap.UIDSetNum(chunk...), &imap.FetchOptions{
			UID: true, BodySection: []*imap.FetchItemBodySection{section},
		}).Collect()
		for _, b := range bufs {
			msgs = append(msgs, Message{
				UID:       uint32(b.UID),
				Raw:       b.FindBodySection(section),
				Truncated: truncated,
				Flags:     metas[b.UID].flags,
			})
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch bodies: %w", err)
	}
	slices.SortFunc(msgs, func(a, b Message) int { return cmp.Compare(a.UID, b.UID) })
	return msgs, nil
}

// offer calls the handler and keeps the counts; a refused message gets a
// retry time.
func (s *session) offer(ctx context.Context, m Message) error {
	m.Failed, m.FirstFailed = s.w.failures(m.UID)
	err := s.w.callHandler(ctx, m)
	if err == nil {
		s.w.handled.Add(1)
		s.w.retryDone(m.UID)
		return nil
	}
	if ctx.Err() != nil {
		return err // shutting down: not the message's fault
	}
	s.w.failed.Add(1)
	s.w.noteError(err)
	attempts, due := s.w.retryFailed(m.UID, time.Now())
	s.w.log.Warn("imap handler refused message; it stays in the folder",
		"uid", m.UID, "attempt", attempts, "retry_in", time.Until(due).Round(time.Millisecond), slog.Any("error", err))
	return err
}

// callHandler runs the handler, turning a panic into an error.
func (w *Watcher) callHandler(ctx context.Context, m Message) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("imapwatch: handler panic: %v\n%s", v, debug.Stack())
		}
	}()
	return w.handle(ctx, m)
}

// advance records uid as the last UID handled.
func (s *session) advance(uid uint32) error {
	if uid <= s.state.LastUID {
		return nil
	}
	st := s.state
	st.LastUID = uid
	if err := s.w.saveState(st); err != nil {
		return err
	}
	s.state = st
	return nil
}

// finishOld completes messages that were handled but are still in the
// folder. Without MOVE, one already flagged \Deleted was copied before its
// expunge failed: it is only expunged, so Processed does not get it twice.
func (s *session) finishOld(uids []imap.UID) error {
	s.w.log.Debug("imap moving handled messages left in the folder", "count", len(uids))
	set := imap.UIDSetNum(uids...)
	if s.canMove {
		return s.finish(set)
	}
	metas, err := s.fetchMeta(uids)
	if err != nil {
		return err
	}
	var copied, rest imap.UIDSet
	for _, uid := range uids {
		if slices.Contains(metas[uid].flags, string(imap.FlagDeleted)) {
			copied.AddNum(uid)
		} else {
			rest.AddNum(uid)
		}
	}
	if len(copied) > 0 {
		if err := s.soft(s.expunge(copied)); err != nil {
			return err
		}
	}
	if len(rest) > 0 {
		return s.finish(rest)
	}
	return nil
}

// finish flags handled messages \Seen and moves them to Processed. A
// server's refusal is logged and left for a later round (the messages are
// handled already, so they will only be moved); a broken connection is
// returned.
func (s *session) finish(set imap.UIDSet) error {
	err := s.store(set, imap.FlagSeen)
	if err == nil {
		err = s.move(set)
		if isCode(err, imap.ResponseCodeTryCreate) {
			if err = s.ensureProcessed(); err == nil {
				err = s.move(set)
			}
		}
	}
	return s.soft(err)
}

// soft logs a server's refusal and swallows it; other errors are returned.
func (s *session) soft(err error) error {
	if err == nil || !isServerError(err) {
		return err
	}
	s.w.noteError(err)
	if s.w.firstTime(err) {
		s.w.log.Warn("imap could not move handled messages; will retry", slog.Any("error", err))
	}
	return nil
}

// store adds a flag, silently.
func (s *session) store(set imap.UIDSet, flag imap.Flag) error {
	err := s.guard(func() error {
		return s.c.Store(set, &imap.StoreFlags{
			Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{flag},
		}, nil).Close()
	})
	if err != nil {
		return fmt.Errorf("store %s: %w", flag, err)
	}
	return nil
}

// move moves messages to Processed: UID MOVE, or without it UID COPY, UID
// STORE \Deleted and UID EXPUNGE (plain EXPUNGE without UIDPLUS).
func (s *session) move(set imap.UIDSet) error {
	dest := s.w.cfg.Processed
	if s.canMove {
		err := s.guard(func() error {
			_, err := s.c.Move(set, dest).Wait()
			return err
		})
		if err != nil {
			return fmt.Errorf("move to %s: %w", dest, err)
		}
		return nil
	}
	err := s.guard(func() error {
		_, err := s.c.Copy(set, dest).Wait()
		return err
	})
	if err != nil {
		return fmt.Errorf("copy to %s: %w", dest, err)
	}
	if err := s.store(set, imap.FlagDeleted); err != nil {
		return err
	}
	return s.expunge(set)
}

// expunge removes messages flagged \Deleted: only those in set with
// UIDPLUS, all of them without.
func (s *session) expunge(set imap.UIDSet) error {
	err := s.guard(func() error {
		if s.uidPlus {
			return s.c.UIDExpunge(set).Close()
		}
		return s.c.Expunge().Close()
	})
	if err != nil {
		return fmt.Errorf("expunge: %w", err)
	}
	return nil
}
