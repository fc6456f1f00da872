package web

// /admin/import: an administrator uploads a CSV or Excel file, sees what it
// would do (every bad row with its line and reason, what it would create
// and update) before anything is written, then confirms. The file waits
// between the two in the bucket web/uploads (an hour at most), so the
// confirmation imports the very bytes previewed, with the same checks
// (csvio.Import, as `fieldcrm import`), recorded in history on channel
// "web" with the administrator as actor.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/csvio"
)

const (
	// MaxUpload is the largest file an import takes (the console's limit
	// on any form).
	MaxUpload = 8 << 20
	// UploadTTL is how long an uploaded file waits for its confirmation.
	UploadTTL = time.Hour
	// importTime is how long an upload, its check or its import may take.
	importTime = 10 * time.Minute
	// previewRows is how many of the file's rows the preview shows.
	previewRows = 20
)

const spUploads = "web/uploads" // random id → upload (a State space)

// upload is a file waiting for its confirmation, with what its preview said.
type upload struct {
	User    int64        `json:"user"`
	Kind    string       `json:"kind"`
	Format  csvio.Format `json:"format"`
	Name    string       `json:"name"`
	Data    []byte       `json:"data"`
	Created time.Time    `json:"created"`
	// the preview's outcome: the confirmation writes only when a new check
	// finds the same
	Bad       []int `json:"bad,omitempty"` // lines
	Creates   int   `json:"creates"`
	Updates   int   `json:"updates"`
	Unchanged int   `json:"unchanged"`
}

// ImportForm is the upload form.
type ImportForm struct {
	Kinds   []ImportKind
	Kind    string
	Error   string
	MaxMB   int
	Minutes int
}

// ImportKind is one kind a file may hold, with its columns.
type ImportKind struct {
	Name    string
	Columns []string
	Chinese []string // other names a header may give them, in Chinese
}

func importKinds() []ImportKind {
	var out []ImportKind
	for _, k := range csvio.Kinds {
		ex, imp := csvio.Columns(k)
		ik := ImportKind{Name: k, Columns: append(slices.Clone(ex), imp...)}
		_, names, _ := csvio.HeaderNames(k)
		for _, c := range ik.Columns {
			for _, n := range names[c] {
				if hasHan(n) {
					ik.Chinese = append(ik.Chinese, n)
					break
				}
			}
		}
		out = append(out, ik)
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

func (s *Server) importForm(kind, msg string) *ImportForm {
	return &ImportForm{Kinds: importKinds(), Kind: kind, Error: msg, MaxMB: MaxUpload >> 20, Minutes: int(UploadTTL / time.Minute)}
}

func (s *Server) adminImportForm(w http.ResponseWriter, r *http.Request, sess *Session) {
	s.pruneUploads(r.Context())
	kind, _ := csvio.KindName(r.URL.Query().Get("kind"))
	s.render(w, r, sess, http.StatusOK, "admin_import", "admin", s.importForm(kind, ""))
}

// uploadLimit answers a file too large before anything reads it.
func (s *Server) uploadLimit(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// a large file on a slow line, and the check of its rows, take
		// longer than the server's limits for other requests
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Now().Add(importTime))
		rc.SetWriteDeadline(time.Now().Add(importTime))
		if r.ContentLength > MaxUpload {
			sess := s.session(r)
			if sess == nil || !IsAdmin(sess.User.Role) {
				h(w, r) // auth answers
				return
			}
			loc := localeOf(r, sess)
			s.render(w, r, sess, http.StatusRequestEntityTooLarge, "admin_import", "admin",
				s.importForm("", fmt.Sprintf(s.word(loc, "admin.import.too_big"), MaxUpload>>20)))
			return
		}
		h(w, r)
	}
}

// ImportPreview is what a file would do, before anything is written; after
// the confirmation (Done) what it did.
type ImportPreview struct {
	ID, Name, Kind string
	Rows           int
	Header         []string
	Sample         []csvio.Row
	BadLines       map[int]bool
	Reasons        []string // of Result.Bad, in the reader's language
	Result         *csvio.Result
	Good           int
	Done           bool
	Duplicates     []csvio.Duplicate
	Changed        bool // the data changed between preview and confirmation: check again
	NeedSkip       bool // confirmed without saying to skip the bad rows
	Minutes        int
}

func (s *Server) importMeta(sess *Session, u *upload, what string) crm.Meta {
	return crm.Meta{Actor: sess.User, Channel: "web", Import: true,
		Summary: fmt.Sprintf("web: import %s %s from %s (%s)", what, u.Kind, u.Name, sess.User.Name)}
}

func (s *Server) adminImportPreview(w http.ResponseWriter, r *http.Request, sess *Session) {
	loc := localeOf(r, sess)
	kind, ok := csvio.KindName(r.PostFormValue("kind"))
	if !ok {
		s.importRefused(w, r, sess, "", s.word(loc, "admin.import.no_kind"))
		return
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		s.importRefused(w, r, sess, kind, s.word(loc, "admin.import.no_file"))
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxUpload+1))
	f.Close()
	if err != nil || len(data) > MaxUpload {
		s.importRefused(w, r, sess, kind, fmt.Sprintf(s.word(loc, "admin.import.too_big"), MaxUpload>>20))
		return
	}
	format, ok := csvio.ParseFormat(filepath.Ext(fh.Filename))
	if !ok {
		format = csvio.CSV
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			format = csvio.XLSX
		}
	}
	u := &upload{User: sess.User.ID, Kind: kind, Format: format, Name: filepath.Base(fh.Filename), Data: data, Created: s.cfg.Now()}
	t, err := csvio.Read(bytes.NewReader(data), format)
	if err != nil {
		s.importRefused(w, r, sess, kind, fmt.Sprintf(s.word(loc, "admin.import.unreadable"), u.Name, err.Error()))
		return
	}
	res, err := csvio.Import(r.Context(), s.cfg.Store, kind, t, csvio.Options{DryRun: true, Meta: s.importMeta(sess, u, "check")})
	if err != nil {
		if crm.ErrorCode(err) == crm.EINTERNAL && !isHeaderError(err) {
			s.internal(w, r, sess, err)
			return
		}
		s.importRefused(w, r, sess, kind, fmt.Sprintf(s.word(loc, "admin.import.refused"), u.Name, csvio.ErrText(err)))
		return
	}
	for _, b := range res.Bad {
		u.Bad = append(u.Bad, b.Line)
	}
	u.Creates, u.Updates, u.Unchanged = res.Created, res.Updated, res.Unchanged
	id := newID(16)
	now := s.cfg.Now()
	if err := s.update(r.Context(), func(tx *crm.Tx) error {
		b := tx.State(spUploads)
		for _, k := range expiredUploads(b, now) {
			b.Delete(k)
		}
		v, err := json.Marshal(u)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), v)
	}); err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, r, sess, http.StatusOK, "admin_import_preview", "admin", s.preview(localeOf(r, sess), id, u, t, res))
}

// expiredUploads lists the files never confirmed within UploadTTL.
func expiredUploads(b crm.Bucket, now time.Time) [][]byte {
	var old [][]byte
	b.Scan(nil, nil, false, func(k, v []byte) bool {
		var x upload
		if json.Unmarshal(v, &x) != nil || now.Sub(x.Created) > UploadTTL {
			old = append(old, slices.Clone(k))
		}
		return true
	})
	return old
}

// pruneUploads deletes the files never confirmed within UploadTTL (they
// hold customers' data: they are not kept longer than needed).
func (s *Server) pruneUploads(ctx context.Context) {
	now := s.cfg.Now()
	var n int
	s.cfg.Store.Engine().View(ctx, func(tx crm.ETx) error {
		n = len(expiredUploads(tx.State(spUploads), now))
		return nil
	})
	if n == 0 {
		return
	}
	if err := s.update(ctx, func(tx *crm.Tx) error {
		b := tx.State(spUploads)
		for _, k := range expiredUploads(b, now) {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		s.cfg.Log.Warn("web uploads not pruned", slog.Any("error", err))
	}
}

func isHeaderError(err error) bool {
	var he *csvio.HeaderError
	return errors.As(err, &he)
}

func (s *Server) preview(loc, id string, u *upload, t *csvio.Table, res *csvio.Result) *ImportPreview {
	p := &ImportPreview{ID: id, Name: u.Name, Kind: u.Kind, Rows: len(t.Rows), Header: t.Header, Result: res,
		BadLines: map[int]bool{}, Minutes: int(UploadTTL / time.Minute), Reasons: s.rowReasons(loc, res.Bad)}
	for _, b := range res.Bad {
		p.BadLines[b.Line] = true
	}
	p.Good = len(t.Rows) - len(res.Bad)
	// the bad rows first, then the first good ones
	for _, row := range t.Rows {
		if p.BadLines[row.Line] && len(p.Sample) < previewRows {
			p.Sample = append(p.Sample, row)
		}
	}
	for _, row := range t.Rows {
		if !p.BadLines[row.Line] && len(p.Sample) < previewRows {
			p.Sample = append(p.Sample, row)
		}
	}
	slices.SortFunc(p.Sample, func(a, b csvio.Row) int { return a.Line - b.Line })
	return p
}

func (s *Server) importRefused(w http.ResponseWriter, r *http.Request, sess *Session, kind, msg string) {
	w.Header().Set("X-Fieldcrm-Refused", "import")
	s.render(w, r, sess, http.StatusUnprocessableEntity, "admin_import", "admin", s.importForm(kind, msg))
}

func (s *Server) adminImportConfirm(w http.ResponseWriter, r *http.Request, sess *Session) {
	loc := localeOf(r, sess)
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(importTime))
	// once confirmed, the import runs to its end even if the browser goes
	ctx := context.WithoutCancel(r.Context())
	id := r.PostFormValue("upload")
	skipBad := r.PostFormValue("skip_bad") != ""
	now := s.cfg.Now()
	// take the file: a confirmation sent twice imports once
	var u *upload
	err := s.update(ctx, func(tx *crm.Tx) error {
		u = nil
		b := tx.State(spUploads)
		if len(id) != 32 {
			return nil
		}
		v := b.Get([]byte(id))
		if v == nil {
			return nil
		}
		var x upload
		if json.Unmarshal(v, &x) == nil && x.User == sess.User.ID && now.Sub(x.Created) <= UploadTTL {
			u = &x
		}
		if u == nil && x.User != sess.User.ID {
			return nil // not his: left alone
		}
		return b.Delete([]byte(id))
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	if u == nil {
		s.importRefused(w, r, sess, "", s.word(loc, "admin.import.gone"))
		return
	}
	t, err := csvio.Read(bytes.NewReader(u.Data), u.Format)
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	// the same check again: the data may have changed since the preview
	check, err := csvio.Import(ctx, s.cfg.Store, u.Kind, t, csvio.Options{DryRun: true, Meta: s.importMeta(sess, u, "check")})
	if err != nil {
		s.importRefused(w, r, sess, u.Kind, fmt.Sprintf(s.word(loc, "admin.import.refused"), u.Name, csvio.ErrText(err)))
		return
	}
	var lines []int
	for _, b := range check.Bad {
		lines = append(lines, b.Line)
	}
	changed := !slices.Equal(lines, u.Bad) || check.Created != u.Creates || check.Updated != u.Updates || check.Unchanged != u.Unchanged
	if changed || len(u.Bad) > 0 && !skipBad || len(u.Bad) == len(t.Rows) {
		// not what was previewed (or not confirmed as previewed): preview again
		u.Bad, u.Creates, u.Updates, u.Unchanged = lines, check.Created, check.Updated, check.Unchanged
		u.Created = now
		nid := newID(16)
		if err := s.update(r.Context(), func(tx *crm.Tx) error {
			v, _ := json.Marshal(u)
			return tx.State(spUploads).Put([]byte(nid), v)
		}); err != nil {
			s.internal(w, r, sess, err)
			return
		}
		p := s.preview(loc, nid, u, t, check)
		p.Changed, p.NeedSkip = changed, !changed
		w.Header().Set("X-Fieldcrm-Refused", "import-changed")
		s.render(w, r, sess, http.StatusConflict, "admin_import_preview", "admin", p)
		return
	}
	res, err := csvio.Import(ctx, s.cfg.Store, u.Kind, t, csvio.Options{SkipBad: skipBad, Meta: s.importMeta(sess, u, "")})
	if err != nil {
		s.cfg.Log.Error("web import failed", slog.String("file", u.Name), slog.Any("error", err))
		msg := fmt.Sprintf(s.word(loc, "admin.import.refused"), u.Name, csvio.ErrText(err))
		if res != nil && res.Imported {
			msg += " " + fmt.Sprintf(s.word(loc, "admin.import.partly"), res.Rows())
		}
		s.importRefused(w, r, sess, u.Kind, msg)
		return
	}
	s.cfg.Log.Info("web import", slog.Int64("by_user_id", sess.User.ID), slog.String("kind", u.Kind), slog.String("file", u.Name),
		slog.Int("created", res.Created), slog.Int("updated", res.Updated), slog.Int("unchanged", res.Unchanged), slog.Int("bad", len(res.Bad)))
	p := s.preview(loc, "", u, t, res)
	p.Done = true
	if dups, err := csvio.LikelyDuplicates(s.cfg.Store, u.Kind, res.IDs); err == nil {
		p.Duplicates = dups
	}
	s.render(w, r, sess, http.StatusOK, "admin_import_preview", "admin", p)
}

// adminExport writes every record of a kind the administrator may see, as
// `fieldcrm export`: /admin/export/accounts.csv or .xlsx.
func (s *Server) adminExport(w http.ResponseWriter, r *http.Request, sess *Session) {
	file := r.PathValue("file")
	ext := filepath.Ext(file)
	kind, ok := csvio.KindName(strings.TrimSuffix(file, ext))
	format, fok := csvio.ParseFormat(ext)
	if !ok || !fok || ext == "" {
		s.fail(w, r, sess, http.StatusNotFound, "err.notfound")
		return
	}
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(importTime))
	header, rows, err := csvio.Export(s.cfg.Store, sess.User, kind)
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	var buf bytes.Buffer
	if err := csvio.Write(&buf, format, kind, header, rows); err != nil {
		s.internal(w, r, sess, err)
		return
	}
	name := fmt.Sprintf("fieldcrm-%s-%s.%s", kind, s.cfg.Now().In(s.cfg.Store.Location()).Format("2006-01-02"), format)
	ct := "text/csv; charset=utf-8"
	if format == csvio.XLSX {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	s.cfg.Log.Info("web export", slog.Int64("by_user_id", sess.User.ID), slog.String("kind", kind), slog.Int("rows", len(rows)))
	w.Write(buf.Bytes())
}
