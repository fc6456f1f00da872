package main

// Free space next to the database. bbolt grows its file as records are
// added; on a full disk every commit fails and every message is answered
// 500. serve watches the free space so that the operator hears of it before
// (a warning in the log, fieldcrm_store_free_bytes and
// fieldcrm_store_free_space_low), and /readyz reports it.

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMinFree is the free space below which serve warns by default.
const DefaultMinFree = 500 << 20

type diskWatch struct {
	dir, file string
	min       int64 // bytes; ≤ 0: no warning
	log       *slog.Logger

	mu       sync.Mutex
	free     int64 // bytes available to us (-1: unknown)
	err      error
	low      bool
	warnedAt time.Time
}

func newDiskWatch(dbPath string, min int64, log *slog.Logger) *diskWatch {
	if min == 0 {
		min = DefaultMinFree
	}
	return &diskWatch{dir: filepath.Dir(dbPath), file: dbPath, min: min, log: log, free: -1}
}

// freeBytes is the space an unprivileged process may still write in dir.
func freeBytes(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// check reads the free space and warns when it is low: on the change, then
// once an hour while it stays low.
func (d *diskWatch) check(now time.Time) {
	free, err := freeBytes(d.dir)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.free, d.err = free, err
	if err != nil {
		d.log.Warn("free disk space unknown", slog.String("dir", d.dir), slog.Any("error", err))
		return
	}
	low := d.min > 0 && free < d.min
	switch {
	case low && (!d.low || now.Sub(d.warnedAt) >= time.Hour):
		d.log.Warn("disk space low: when the disk is full no message can be stored (each is answered 500)",
			slog.String("dir", d.dir), slog.Int64("free_bytes", free), slog.Int64("warn_below_bytes", d.min))
		d.warnedAt = now
	case !low && d.low:
		d.log.Info("disk space back above the warning level", slog.String("dir", d.dir), slog.Int64("free_bytes", free))
	}
	d.low = low
}

// run checks every interval until ctx ends.
func (d *diskWatch) run(ctx context.Context, interval time.Duration, now func() time.Time) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.check(now())
		}
	}
}

// describe is /readyz's note on the disk ("" when nothing to say).
func (d *diskWatch) describe() string {
	free, err := freeBytes(d.dir) // fresh: a probe should see the disk as it is
	if err != nil {
		return "free space unknown: " + err.Error()
	}
	if d.min > 0 && free < d.min {
		return fmt.Sprintf("disk space low: %s free, warning below %s", mb(free), mb(d.min))
	}
	return ""
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

var (
	descFree    = prometheus.NewDesc("fieldcrm_store_free_bytes", "Free space on the disk of the database (bytes available to fieldcrm).", nil, nil)
	descFreeLow = prometheus.NewDesc("fieldcrm_store_free_space_low", "1 when the free space is below FIELDCRM_MIN_FREE_MB.", nil, nil)
)

func (d *diskWatch) Describe(ch chan<- *prometheus.Desc) { ch <- descFree; ch <- descFreeLow }

func (d *diskWatch) Collect(ch chan<- prometheus.Metric) {
	free, err := freeBytes(d.dir)
	if err != nil {
		return
	}
	low := 0.0
	if d.min > 0 && free < d.min {
		low = 1
	}
	ch <- prometheus.MustNewConstMetric(descFree, prometheus.GaugeValue, float64(free))
	ch <- prometheus.MustNewConstMetric(descFreeLow, prometheus.GaugeValue, low)
}
