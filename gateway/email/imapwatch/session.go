package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// errLost reports a connection that closed while the watcher waited.
var errLost = errors.New("imapwatch: connection lost")

// session is one connection, logged in with the folder selected.
type session struct {
	w       *Watcher
	c       *imapclient.Client
	conn    *watchConn
	stop    func() bool // releases the ctx watch that closes conn
	state   folderState
	canIdle bool
	canMove bool
	uidPlus bool
}

// session connects, then handles mail until the connection fails or ctx
// ends. good reports that the session got as far as a complete round, which
// resets the reconnect backoff.
func (w *Watcher) session(ctx context.Context) (good bool, err error) {
	s, err := w.open(ctx)
	if err != nil {
		return false, err
	}
	defer s.close()
	w.setConnected(true)
	defer w.setConnected(false)
	w.logState("connected", nil, "idle", s.canIdle, "move", s.canMove)

	for {
		if err := w.renewLease(); err != nil {
			return good, err
		}
		more, err := s.round(ctx)
		if err != nil {
			return good, err
		}
		good = true
		if more {
			continue
		}
		if err := s.wait(ctx); err != nil {
			return good, err
		}
	}
}

// open dials, logs in, selects the folder and makes sure Processed exists.
func (w *Watcher) open(ctx context.Context) (*session, error) {
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Runs on the client's reader goroutine: only signal.
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					w.Kick()
				}
			},
		},
	}
	c, wc, err := w.dial(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	s := &session{w: w, c: c, conn: wc}
	s.stop = context.AfterFunc(ctx, func() { _ = wc.Conn.Close() })
	for _, step := range []func() error{s.login, s.selectFolder, s.ensureProcessed} {
		if err := step(); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// close drops the connection.
func (s *session) close() {
	s.stop()
	_ = s.c.Close()
}

// guard runs f under the connection's watchdog.
func (s *session) guard(f func() error) error { return s.conn.guard(f) }

// caps fetches the capability list, under the watchdog.
func (s *session) caps() (imap.CapSet, error) {
	var caps imap.CapSet
	err := s.guard(func() error {
		if caps = s.c.Caps(); caps == nil {
			return errors.New("no capability list")
		}
		return nil
	})
	return caps, err
}

// login authenticates with LOGIN, or AUTHENTICATE PLAIN when the server has
// LOGINDISABLED, and notes the capabilities the watcher uses.
func (s *session) login() error {
	caps, err := s.caps()
	if err != nil {
		return fmt.Errorf("capability: %w", err)
	}
	user, pass := s.w.cfg.User, s.w.cfg.Password
	err = s.guard(func() error {
		if caps.Has(imap.CapLoginDisabled) {
			return s.c.Authenticate(sasl.NewPlainClient("", user, pass))
		}
		return s.c.Login(user, pass).Wait()
	})
	if err != nil {
		return fmt.Errorf("login as %s: %w", user, err)
	}
	if caps, err = s.caps(); err != nil {
		return fmt.Errorf("capability: %w", err)
	}
	s.canIdle = caps.Has(imap.CapIdle)
	s.canMove = caps.Has(imap.CapMove)
	s.uidPlus = caps.Has(imap.CapUIDPlus)
	return nil
}

// selectFolder selects the folder and loads the stored state, forgetting
// the last UID if the folder is not the one it was recorded for.
func (s *session) selectFolder() error {
	var sel *imap.SelectData
	err := s.guard(func() (err error) {
		sel, err = s.c.Select(s.w.cfg.Folder, nil).Wait()
		return err
	})
	if err != nil {
		return fmt.Errorf("select %s: %w", s.w.cfg.Folder, err)
	}
	st, err := s.w.store.load()
	if err != nil {
		return &fatalError{err}
	}
	if st, err = s.w.checkValidity(st, sel); err != nil {
		return err
	}
	s.w.resetRetries(st.UIDValidity)
	s.state = st
	return nil
}

// checkValidity compares the stored state with the selected folder. A new
// UIDVALIDITY, or a UIDNEXT not above the last UID handled (a replaced
// mailbox that happens to reuse the UIDVALIDITY), means the stored UIDs no
// longer name these messages: the last UID is forgotten and the messages in
// the folder are handled again (the handler dedupes them).
func (w *Watcher) checkValidity(st folderState, sel *imap.SelectData) (folderState, error) {
	switch {
	case st.UIDValidity == sel.UIDValidity && (sel.UIDNext == 0 || st.LastUID < uint32(sel.UIDNext)):
		return st, nil
	case st.UIDValidity == 0:
		// First run on this folder.
	case st.UIDValidity != sel.UIDValidity:
		w.log.Warn("imap UIDVALIDITY changed: forgetting the last UID handled; messages still in the folder are offered again",
			"old", st.UIDValidity, "new", sel.UIDValidity, "last_uid", st.LastUID)
	default:
		w.log.Warn("imap UIDNEXT is not above the last UID handled: mailbox replaced; forgetting the last UID",
			"uidnext", sel.UIDNext, "last_uid", st.LastUID)
	}
	st = folderState{UIDValidity: sel.UIDValidity}
	if err := w.saveState(st); err != nil {
		return st, err
	}
	return st, nil
}

// ensureProcessed creates and subscribes the Processed folder; one that
// exists already is fine.
func (s *session) ensureProcessed() error {
	name := s.w.cfg.Processed
	err := s.guard(func() error { return s.c.Create(name, nil).Wait() })
	switch {
	case err == nil:
		s.w.log.Info("imap created folder", "name", name)
	case !isServerError(err):
		return fmt.Errorf("create %s: %w", name, err)
	case !isCode(err, imap.ResponseCodeAlreadyExists):
		// Not every server says ALREADYEXISTS: look for the folder.
		exists, lerr := s.folderExists(name)
		if lerr != nil {
			return fmt.Errorf("list %s: %w", name, lerr)
		}
		if !exists {
			return fmt.Errorf("create %s: %w", name, err)
		}
	}
	err = s.guard(func() error { return s.c.Subscribe(name).Wait() })
	if err != nil && !isServerError(err) {
		return fmt.Errorf("subscribe %s: %w", name, err)
	}
	return nil
}

// folderExists reports whether LIST finds the named folder.
func (s *session) folderExists(name string) (bool, error) {
	var found []*imap.ListData
	err := s.guard(func() (err error) {
		found, err = s.c.List("", name, nil).Collect()
		return err
	})
	return len(found) > 0, err
}

// wait returns when it is time for another round: new mail was announced,
// Kick was called, a refused message is due again, or the poll interval
// passed. It returns an error when the connection is lost.
func (s *session) wait(ctx context.Context) error {
	retry, stop := s.w.nextRetry(time.Now())
	defer stop()
	if s.canIdle {
		return s.idle(ctx, retry)
	}
	return s.poll(ctx, retry)
}

// poll waits for the poll interval (or a wake-up). The next round's UID
// SEARCH, under the watchdog, doubles as the liveness check.
func (s *session) poll(ctx context.Context, retry <-chan time.Time) error {
	t := time.NewTimer(s.w.cfg.Poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.c.Closed():
		return errLost
	case <-s.w.wake:
	case <-retry:
	case <-t.C:
	}
	return nil
}

// idle runs IDLE until something happens. Every Poll it stops IDLE and
// sends a NOOP, both of which must be answered within the watchdog: an IDLE
// that died silently (no RST ever came) is found this way.
func (s *session) idle(ctx context.Context, retry <-chan time.Time) error {
	var cmd *imapclient.IdleCommand
	err := s.guard(func() (err error) {
		cmd, err = s.c.Idle()
		return err
	})
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	s.w.setIdle(true)
	check, err := s.idleUntil(ctx, retry)
	s.w.setIdle(false)
	if err != nil {
		return err
	}
	err = s.guard(func() error {
		if err := cmd.Close(); err != nil {
			return err
		}
		return cmd.Wait()
	})
	if err != nil {
		return fmt.Errorf("stop idle: %w", err)
	}
	if !check {
		return nil
	}
	if err := s.guard(func() error { return s.c.Noop().Wait() }); err != nil {
		return fmt.Errorf("noop: %w", err)
	}
	return nil
}

// idleUntil blocks while idling. check reports that the poll interval
// passed, so the connection should be checked.
func (s *session) idleUntil(ctx context.Context, retry <-chan time.Time) (check bool, err error) {
	poll := time.NewTimer(s.w.cfg.Poll)
	defer poll.Stop()
	refresh := time.NewTimer(s.w.cfg.IdleRefresh)
	defer refresh.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-s.c.Closed():
		return false, errLost
	case <-poll.C:
		return true, nil
	case <-s.w.wake:
	case <-retry:
	case <-refresh.C:
	}
	return false, nil
}

// isServerError reports an answer from the server (NO or BAD), as opposed
// to a broken connection.
func isServerError(err error) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && (ie.Type == imap.StatusResponseTypeNo || ie.Type == imap.StatusResponseTypeBad)
}

// isCode reports a server error with the given response code.
func isCode(err error, code imap.ResponseCode) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Code == code
}
