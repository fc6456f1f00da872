package main

// `fieldcrm backup` (hot, also while serve runs) and `fieldcrm restore`.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/crm"
)

// dbLocked reports whether another process holds path open (bbolt's flock).
// A missing file is not locked.
func dbLocked(path string) (bool, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 300 * time.Millisecond, ReadOnly: true})
	if errors.Is(err, bolt.ErrTimeout) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, db.Close()
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
	pos, code, ok := parseFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, "give one backup file")
	}
	out := pos[0]
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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
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
	n, err := io.Copy(f, resp.Body)
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
		err = verifyDB(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// verifyDB opens a copy of a database read-only and checks its indexes
// against its records (without repairing, without migrating).
func verifyDB(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("the copy does not open: %w", err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("meta")) == nil {
			return errors.New("not a fieldcrm database (no meta bucket)")
		}
		for range tx.Check() {
			return errors.New("the copy is damaged (bbolt check)")
		}
		return nil
	})
	db.Close()
	return err
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
	// hold the lock of the current database for the whole swap: a serve
	// starting meanwhile waits, and a running one makes us refuse
	var cur *bolt.DB
	if _, err := os.Stat(path); err == nil {
		cur, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 500 * time.Millisecond})
		if errors.Is(err, bolt.ErrTimeout) {
			return fmt.Errorf("%s is in use (fieldcrm serve is running?): stop it first", path)
		} else if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer func() {
			if cur != nil {
				cur.Close()
			}
		}()
	}
	tmp := path + ".restore"
	if err := copyFile(from, tmp); err != nil {
		return err
	}
	defer os.Remove(tmp)
	s, err := crm.Open(tmp, crm.Options{})
	if err != nil {
		return fmt.Errorf("the backup does not open: %w", err)
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
