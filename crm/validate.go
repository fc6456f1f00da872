package crm

// Checking a database file before bbolt maps it. bbolt trusts its file: a
// copy cut short (a backup whose download was killed) makes it read pages
// past the end of the mapping and the process dies with SIGSEGV/SIGBUS in
// loadFreelist, which no recover catches. So every file is checked first —
// its size, both meta pages and their checksums, and that the pages the
// newest meta names lie inside the file — and refused with a sentence.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNoDatabase is returned by Open with Options.MustExist when the file
// does not exist.
var ErrNoDatabase = errors.New("no such database file")

// ErrDamaged wraps the reasons a file is refused by ValidateFile.
var ErrDamaged = errors.New("not a whole fieldcrm database")

const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	pageHeaderSize  = 16
	metaSize        = 64 // magic … checksum
	noFreelist      = ^uint64(0)
	minPageSize     = 512
	maxPageSize     = 1 << 20
	fallbackPageSiz = 4096
)

// boltMeta is what ValidateFile reads of a meta page.
type boltMeta struct {
	pageSize        uint32
	root, freelist  uint64
	pages, txid     uint64
	valid           bool
	problem         string
	checksumMatches bool
}

func readMeta(b []byte) boltMeta {
	m := b[pageHeaderSize:]
	if len(m) < metaSize {
		return boltMeta{problem: "too short"}
	}
	le := binary.LittleEndian
	out := boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		pages: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	h := fnv.New64a()
	h.Write(m[:56])
	switch {
	case le.Uint32(m[0:]) != boltMagic:
		out.problem = "no bbolt marker"
	case le.Uint32(m[4:]) != boltVersion:
		out.problem = fmt.Sprintf("bbolt format version %d", le.Uint32(m[4:]))
	case h.Sum64() != le.Uint64(m[56:]):
		out.problem = "checksum mismatch"
	default:
		out.valid = true
	}
	return out
}

// ValidateFile checks that path is a whole bbolt file, without mapping it:
// its size is a multiple of the page size, at least one meta page is intact
// (marker, version, checksum), and every page the newest intact meta names
// lies inside the file. With deep set it also opens the file read-only and
// runs bbolt's own consistency check (every page reachable once, nothing
// out of bounds): slow on a large file, meant for files fieldcrm did not
// write (a backup to restore, a copy to check). The errors wrap
// ErrDamaged and say what is wrong in a sentence. It is for bbolt files
// only (a PostgreSQL database is checked with fieldcrm check --db).
func ValidateFile(path string, deep bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrDamaged, fmt.Sprintf(format, a...))
	}
	if !st.Mode().IsRegular() {
		return bad("%s is not a regular file", path)
	}
	if size == 0 {
		return bad("%s is empty (0 bytes)", path)
	}
	buf := make([]byte, pageHeaderSize+metaSize)
	if _, err := f.ReadAt(buf, 0); err != nil {
		if errors.Is(err, io.EOF) {
			return bad("%s is %d bytes, too short for a database", path, size)
		}
		return err
	}
	m0 := readMeta(buf)
	ps := int64(fallbackPageSiz)
	if m0.valid && m0.pageSize >= minPageSize && m0.pageSize <= maxPageSize {
		ps = int64(m0.pageSize)
	}
	m1 := boltMeta{problem: "missing"}
	if size >= ps+int64(len(buf)) {
		if _, err := f.ReadAt(buf, ps); err != nil {
			return err
		}
		m1 = readMeta(buf)
	}
	if !m0.valid && !m1.valid {
		return bad("%s is not a fieldcrm database (first meta page: %s; second: %s)", path, m0.problem, m1.problem)
	}
	m := m0
	if !m0.valid || (m1.valid && m1.txid > m0.txid) {
		m = m1
	}
	if int64(m.pageSize) != ps {
		return bad("%s: its two meta pages disagree on the page size", path)
	}
	if size%ps != 0 {
		return bad("%s is %d bytes, not a whole number of %d-byte pages: the copy was cut short", path, size, ps)
	}
	if need := int64(m.pages) * ps; m.pages < 4 || need > size || need < 0 {
		return bad("%s is %d bytes but its pages reach %d bytes: the copy was cut short (an interrupted backup or download?)", path, size, need)
	}
	if m.root >= m.pages || (m.freelist != noFreelist && m.freelist >= m.pages) {
		return bad("%s: its meta page points outside the file", path)
	}
	if !deep {
		return nil
	}
	// walk every page from the file (not through bbolt, whose checks
	// assert, which kills the process) before bbolt's own check reads them
	w := &pageWalker{f: f, ps: ps, pages: m.pages, seen: map[uint64]bool{}}
	if err := w.walk(m.root, 0); err != nil {
		return bad("%s is damaged inside: %v", path, err)
	}
	if m.freelist != noFreelist {
		if err := w.freelist(m.freelist); err != nil {
			return bad("%s is damaged inside: %v", path, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if errors.Is(err, bolt.ErrTimeout) {
		return err
	} else if err != nil {
		return bad("%s does not open: %v", path, err)
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // read to the end: the check runs on until then, on the mapping Close removes
			if first == nil {
				first = err
			}
		}
		if first != nil {
			return bad("%s is damaged inside (bbolt check: %v)", path, first)
		}
		if tx.Bucket(bktMeta) == nil {
			return bad("%s is a bbolt file but not a fieldcrm database (no meta bucket)", path)
		}
		return nil
	})
}

// pageWalker reads a bbolt file's B+tree page by page with bounds checks.
type pageWalker struct {
	f     *os.File
	ps    int64
	pages uint64
	seen  map[uint64]bool
}

const (
	pageBranch   = 0x01
	pageLeaf     = 0x02
	pageFreelist = 0x10
	leafBucket   = 0x01
	elemSize     = 16
	maxDepth     = 64
)

// read returns page id with its overflow pages, after checking its header.
func (w *pageWalker) read(id uint64, flags uint16) ([]byte, error) {
	if id < 2 || id >= w.pages {
		return nil, fmt.Errorf("page %d is outside the file (%d pages)", id, w.pages)
	}
	if w.seen[id] {
		return nil, fmt.Errorf("page %d is reachable twice", id)
	}
	w.seen[id] = true
	hdr := make([]byte, pageHeaderSize)
	if _, err := w.f.ReadAt(hdr, int64(id)*w.ps); err != nil {
		return nil, fmt.Errorf("page %d: %v", id, err)
	}
	le := binary.LittleEndian
	if got := le.Uint64(hdr); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	if f := le.Uint16(hdr[8:]); f&flags == 0 {
		return nil, fmt.Errorf("page %d has type %#x where %#x was expected", id, f, flags)
	}
	over := uint64(le.Uint32(hdr[12:]))
	if id+over >= w.pages {
		return nil, fmt.Errorf("page %d runs past the end of the file", id)
	}
	for o := uint64(1); o <= over; o++ {
		w.seen[id+o] = true
	}
	buf := make([]byte, int64(1+over)*w.ps)
	if _, err := w.f.ReadAt(buf, int64(id)*w.ps); err != nil {
		return nil, fmt.Errorf("page %d: %v", id, err)
	}
	return buf, nil
}

func (w *pageWalker) walk(id uint64, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("the tree is deeper than %d levels at page %d", maxDepth, id)
	}
	buf, err := w.read(id, pageBranch|pageLeaf)
	if err != nil {
		return err
	}
	return w.elements(buf, id, depth)
}

// elements checks the elements of a branch or leaf page (buf starts with the
// page header; inline buckets' pages too) and walks what they point to.
func (w *pageWalker) elements(buf []byte, id uint64, depth int) error {
	le := binary.LittleEndian
	if len(buf) < pageHeaderSize {
		return fmt.Errorf("page %d is too short", id)
	}
	flags, count := le.Uint16(buf[8:]), int(le.Uint16(buf[10:]))
	if pageHeaderSize+count*elemSize > len(buf) {
		return fmt.Errorf("page %d has %d elements, more than fit", id, count)
	}
	for i := range count {
		at := pageHeaderSize + i*elemSize
		e := buf[at : at+elemSize]
		switch {
		case flags&pageBranch != 0:
			pos, ksize, child := int(le.Uint32(e)), int(le.Uint32(e[4:])), le.Uint64(e[8:])
			if at+pos+ksize > len(buf) || pos < 0 {
				return fmt.Errorf("page %d: element %d points outside the page", id, i)
			}
			if err := w.walk(child, depth+1); err != nil {
				return err
			}
		case flags&pageLeaf != 0:
			ef, pos, ksize, vsize := le.Uint32(e), int(le.Uint32(e[4:])), int(le.Uint32(e[8:])), int(le.Uint32(e[12:]))
			end := at + pos + ksize + vsize
			if end > len(buf) || end < at {
				return fmt.Errorf("page %d: element %d points outside the page", id, i)
			}
			if ef&leafBucket == 0 {
				continue
			}
			v := buf[at+pos+ksize : end]
			if len(v) < 16 {
				return fmt.Errorf("page %d: bucket %d is too short", id, i)
			}
			if root := le.Uint64(v); root != 0 {
				if err := w.walk(root, depth+1); err != nil {
					return err
				}
			} else if err := w.elements(v[16:], id, depth+1); err != nil { // an inline bucket
				return err
			}
		default:
			return fmt.Errorf("page %d is neither a branch nor a leaf", id)
		}
	}
	return nil
}

func (w *pageWalker) freelist(id uint64) error {
	buf, err := w.read(id, pageFreelist)
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	n, at := uint64(le.Uint16(buf[10:])), uint64(pageHeaderSize)
	if n == 0xFFFF {
		n, at = le.Uint64(buf[pageHeaderSize:]), at+8
	}
	if n > uint64(len(buf)) || at+n*8 > uint64(len(buf)) {
		return fmt.Errorf("the free-page list (page %d) holds more than fits", id)
	}
	for i := range n {
		if p := le.Uint64(buf[at+i*8:]); p < 2 || p >= w.pages {
			return fmt.Errorf("the free-page list names page %d, outside the file", p)
		}
	}
	return nil
}
