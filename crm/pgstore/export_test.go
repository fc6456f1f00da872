package pgstore

import "github.com/fieldcrm/fieldcrm/crm"

// Break puts a defect into an engine on purpose, to show that the
// conformance suite finds it: "readcommitted" (transactions at READ
// COMMITTED), "noretry", "commitfailed" (an Update whose fn failed is
// committed), "maxid" (ids from the largest one stored), "nounique" (unique
// keys not kept), "order" (OpenDue in id order), "scanasc" (a space's Scan
// ascending when asked descending), "noseqset" (SetSequence does nothing),
// "histasc" (History ascending when asked descending), "onepage" (a
// query stops after its first page), "repeatableread" (the
// option RepeatableRead: only WriteSkew fails).
func Break(e crm.Engine, what string) {
	if what == "repeatableread" {
		e.(*Engine).o.Isolation = RepeatableRead
		return
	}
	e.(*Engine).brk = what
}
