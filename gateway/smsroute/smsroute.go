// Package smsroute chooses the SMS provider of each outgoing message by the
// recipient's number: "+86" to the domestic Chinese provider, anything else
// to Twilio, or whatever FIELDCRM_SMS_ROUTES says. A Router is itself an
// outbox.Sender, so the outbox worker, its retries, rate limits and dead
// letters stay shared; it knows the providers only as outbox.Senders by name
// (gateways never import each other: cmd/fieldcrm wires them).
package smsroute

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// Route sends the numbers that start with Prefix ("+86"; "*" for every
// number) through Provider ("aliyun", "twilio").
type Route struct {
	Prefix   string
	Provider string
}

func (r Route) String() string { return r.Prefix + "=" + r.Provider }

// Default is the routing without configuration: Twilio for every number.
var Default = []Route{{Prefix: "*", Provider: "twilio"}}

var (
	rePrefix   = regexp.MustCompile(`^\+[0-9]{1,15}$`)
	reProvider = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
)

// Parse reads a route list: "+86=aliyun,*=twilio". Prefixes are "+" and
// digits, or "*"; each may appear once. An empty string is Default.
func Parse(s string) ([]Route, error) {
	if strings.TrimSpace(s) == "" {
		return slices.Clone(Default), nil
	}
	var out []Route
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		prefix, provider, ok := strings.Cut(f, "=")
		prefix, provider = strings.TrimSpace(prefix), strings.ToLower(strings.TrimSpace(provider))
		switch {
		case !ok:
			return nil, fmt.Errorf("%q is not prefix=provider (e.g. +86=aliyun)", f)
		case prefix != "*" && !rePrefix.MatchString(prefix):
			return nil, fmt.Errorf("%q: the prefix must be + and digits (+86) or * for every other number", f)
		case !reProvider.MatchString(provider):
			return nil, fmt.Errorf("%q: %q is not a provider name (aliyun, twilio)", f, provider)
		case seen[prefix]:
			return nil, fmt.Errorf("prefix %s is routed twice", prefix)
		}
		seen[prefix] = true
		out = append(out, Route{Prefix: prefix, Provider: provider})
	}
	if len(out) == 0 {
		return slices.Clone(Default), nil
	}
	return out, nil
}

// Providers lists the providers the routes name, sorted, each once.
func Providers(routes []Route) []string {
	var out []string
	for _, r := range routes {
		if !slices.Contains(out, r.Provider) {
			out = append(out, r.Provider)
		}
	}
	sort.Strings(out)
	return out
}

// Pick returns the provider for number: the route with the longest prefix
// that number starts with, else the "*" route; "" when none matches.
func Pick(routes []Route, number string) string {
	best, bestLen := "", -1
	for _, r := range routes {
		switch {
		case r.Prefix == "*":
			if bestLen < 0 {
				best, bestLen = r.Provider, 0
			}
		case strings.HasPrefix(number, r.Prefix) && len(r.Prefix) > bestLen:
			best, bestLen = r.Provider, len(r.Prefix)
		}
	}
	return best
}

// Router is an outbox.Sender that hands each entry to the provider its
// number is routed to, and records that provider in the entry.
type Router struct {
	routes  []Route
	senders map[string]outbox.Sender
}

var _ outbox.Sender = (*Router)(nil)

// ErrNoRoute is returned (wrapped, permanent) for a number no route takes.
var ErrNoRoute = errors.New("smsroute: no route for the number")

// New makes a Router. Every provider the routes name needs a sender.
func New(routes []Route, senders map[string]outbox.Sender) (*Router, error) {
	if len(routes) == 0 {
		routes = Default
	}
	var missing []string
	for _, p := range Providers(routes) {
		if senders[p] == nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("smsroute: no sender for %s", strings.Join(missing, ", "))
	}
	return &Router{routes: slices.Clone(routes), senders: senders}, nil
}

// Routes returns the routes in the order configured.
func (r *Router) Routes() []Route { return slices.Clone(r.routes) }

// Provider names the provider that sends to number ("" when none).
func (r *Router) Provider(number string) string { return Pick(r.routes, number) }

// Send sends e through its number's provider. It sets e.Provider (the worker
// records it with the outcome) and the Provider of a *outbox.SendError.
func (r *Router) Send(ctx context.Context, e *outbox.Entry) (string, int, error) {
	p := r.Provider(e.To)
	s := r.senders[p]
	if s == nil {
		return "", 0, &outbox.SendError{Msg: fmt.Sprintf("%v: %s", ErrNoRoute, e.To)}
	}
	e.Provider = p
	id, segs, err := s.Send(ctx, e)
	var se *outbox.SendError
	if errors.As(err, &se) && se.Provider == "" {
		se.Provider = p
	}
	return id, segs, err
}
