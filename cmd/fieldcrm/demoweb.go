package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/fieldcrm/fieldcrm/web"
)

// demoWebDefault is where the demo serves the web console.
const demoWebDefault = "127.0.0.1:8080"

// startDemoWeb serves the web console on addr (any free port when addr is
// busy) over the demo's store and pipeline. Codes go through the demo's
// outbox, so they are printed like every other SMS.
func startDemoWeb(s *session, addr string, now func() time.Time, kick func(), email bool) (string, func(), error) {
	w, err := web.New(web.Config{Store: s.store, Pipeline: s.pipe, Templates: s.tpl, Log: s.log, Now: now, Kick: kick, Email: email})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return "", nil, err
		}
	}
	mux := http.NewServeMux()
	w.Register(mux)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("web console stopped", "error", err)
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}
