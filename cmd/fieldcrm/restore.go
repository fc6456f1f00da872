package main

// `fieldcrm backup` (hot, also while serve runs) and `fieldcrm restore`.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// dbLocked reports whether another process holds path open (bbolt's flock).
// A missing file is not locked.
func dbLocked(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	defer f.Close()
	// bbolt's lock is flock(2) on the file: try it without mapping the file,
	// which may be damaged
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	} else if err != nil {
		return false, err
	}
	return false, syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}

// lockFile takes bbolt's exclusive lock on path without mapping the file
// (which may be damaged: restoring over a damaged database is the point).
// The file stays locked until the returned file is closed.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(500 * time.Millisecond)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// defaultURL is serve's address as an http URL (from $FIELDCRM_ADDR).
func defaultURL() string {
	addr := os.Getenv("FIELDCRM_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	// serve listening on every address is reached on loopback
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "0.0.0.0" || host == "::") {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	return "http://" + addr
}

func runHotBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("backup", "backup [--db PATH] [--url URL] FILE", `
Writes a consistent copy of the database to FILE (through FILE.tmp, renamed
when complete; a copy fetched from serve is checked first). When "fieldcrm serve" holds the database, the copy is taken
from it over HTTP (GET /admin/backup with the token in $FIELDCRM_ADMIN_TOKEN,
or in the file named by $FIELDCRM_ADMIN_TOKEN_FILE)
while it keeps serving; otherwise the file is read directly.`)
	base := fs.String("url", defaultURL(), "base URL of the running serve (default from $FIELDCRM_ADDR)")
	timeout := fs.Duration("timeout", fetchTimeouts.Idle, "from the running serve: the longest wait for its answer or for more of the copy")
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "give one backup file")
	}
	if isPostgres(*db) {
		fmt.Fprintf(stderr, "fieldcrm backup: %s is PostgreSQL: %v\n", redactURL(*db), errBoltOnly)
		return 1
	}
	out := pos[0]
	if _, err := os.Stat(*db); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "fieldcrm backup: %s\n", openError(*db, crm.ErrNoDatabase))
		return 1
	}
	locked, err := dbLocked(*db)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm backup: %v\n", err)
		return 1
	}
	if !locked {
		s, ok := openStore(fs, *db, stderr)
		if !ok {
			return 1
		}
		defer s.Close()
		n, err := s.BackupFile(out)
		if err != nil {
			fmt.Fprintf(stderr, "fieldcrm backup: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %d bytes to %s\n", n, out)
		return 0
	}
	tok, err := envSecret(os.Getenv, AdminTokenEnv)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm backup: %v\n", err)
		return 2
	}
	if *timeout <= 0 {
		return usageError(fs, stderr, "--timeout must be above 0")
	}
	fetchTimeouts.Header, fetchTimeouts.Idle = *timeout, *timeout
	n, err := fetchBackup(ctx, strings.TrimRight(*base, "/")+BackupPath, tok, out)
	if err != nil {
		fmt.Fprintf(stderr, "fieldcrm backup: %s is in use by fieldcrm serve; from %s: %v\n", *db, *base, err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %d bytes to %s (from the running service at %s)\n", n, out, *base)
	return 0
}

// fetchBackup downloads a hot backup to path through path.tmp, checks that
// it is whole and that it opens and checks clean, and renames it into place.
func fetchBackup(ctx context.Context, url, token, path string) (int64, error) {
	if token == "" {
		return 0, fmt.Errorf("$%s (or $%s_FILE) is not set: give the token serve was started with", AdminTokenEnv, AdminTokenEnv)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	t := fetchTimeouts
	client := &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   t.Connect,
		ResponseHeaderTimeout: t.Header,
		DisableCompression:    true,
	}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fetchErr(err, t)
	}
	defer resp.Body.Close()
	// the body: no deadline for the whole (a large file takes its time), but
	// at most t.Idle without a byte
	idle := time.AfterFunc(t.Idle, func() {
		cancel(fmt.Errorf("no data for %v: the server stalled", t.Idle))
	})
	defer idle.Stop()
	body := &idleReader{r: resp.Body, timer: idle, idle: t.Idle}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp) // after the rename: nothing
	n, err := io.Copy(f, body)
	if cause := context.Cause(ctx); err != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = fmt.Errorf("after %d bytes: %w", n, cause)
	}
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("transfer cut short: %d of %d bytes", n, resp.ContentLength)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if err = crm.ValidateFile(tmp, true); err != nil {
			err = fmt.Errorf("the copy is refused: %w", err)
		}
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// fetchTimeouts bound `fieldcrm backup --url`: a server that does not
// answer, or stops sending, ends the command (exit 1) instead of hanging a
// systemd timer's run forever.
var fetchTimeouts = struct{ Connect, Header, Idle time.Duration }{
	Connect: 10 * time.Second, // TCP connect and TLS handshake
	Header:  60 * time.Second, // from the request to the response's headers
	Idle:    60 * time.Second, // the longest wait for the next bytes of the body
}

// fetchErr says which deadline passed.
func fetchErr(err error, t struct{ Connect, Header, Idle time.Duration }) error {
	var ne net.Error
	switch {
	case strings.Contains(err.Error(), "timeout awaiting response headers"):
		return fmt.Errorf("no answer within %v (the server accepted the connection but sent nothing)", t.Header)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("could not connect within %v: %w", t.Connect, err)
	}
	return err
}

// idleReader pushes the idle timer back on every read that returns data.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	return n, err
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, db := newFlags("restore", "restore [--db PATH] FILE", `
Replaces the database with the backup FILE. Refuses while a process (fieldcrm
serve) has the database open. The backup is first copied next to the
database, opened (schema upgraded if it is older) and checked; only a clean
copy replaces the database, whose old file is kept as PATH.bak.`)
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "give one backup file")
	}
	if isPostgres(*db) {
		fmt.Fprintf(stderr, "fieldcrm restore: %s is PostgreSQL: %v\n", redactURL(*db), errBoltOnly)
		return 1
	}
	if err := restore(pos[0], *db); err != nil {
		fmt.Fprintf(stderr, "fieldcrm restore: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s from %s", *db, pos[0])
	if _, err := os.Stat(*db + ".bak"); err == nil {
		fmt.Fprintf(stdout, " (the previous database is %s.bak)", *db)
	}
	fmt.Fprintln(stdout)
	return 0
}

func restore(from, path string) error {
	// the backup first, before anything is written: a file cut short or
	// damaged is refused with what is wrong with it
	if err := crm.ValidateFile(from, true); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("the backup %s does not exist", from)
	} else if err != nil {
		return fmt.Errorf("the backup is refused, nothing was changed: %w", err)
	}
	// hold the lock of the current database for the whole swap: a serve
	// starting meanwhile waits, and a running one makes us refuse
	var cur *os.File
	if _, err := os.Stat(path); err == nil {
		cur, err = lockFile(path)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("%s is in use (fieldcrm serve is running?): stop it first", path)
		} else if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer cur.Close()
	}
	tmp := path + ".restore"
	if err := copyFile(from, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	defer os.Remove(tmp)
	s, err := crm.Open(tmp, crm.Options{MustExist: true, Verify: true})
	if err != nil {
		return fmt.Errorf("the backup does not open, nothing was changed: %s", openError(from, err))
	}
	rep, err := s.Check(false)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("checking the backup: %w", err)
	}
	if !rep.OK() {
		return fmt.Errorf("the backup fails its check (%d missing, %d extra, %d wrong index entries, %d id sequences): not restored; run 'fieldcrm check --repair --db COPY' on a copy of it",
			rep.Missing, rep.Extra, rep.Wrong, rep.BadSeq)
	}
	if cur != nil {
		if err := os.Rename(path, path+".bak"); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		if cur != nil {
			os.Rename(path+".bak", path)
		}
		return err
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
