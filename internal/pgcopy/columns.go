// Package pgcopy copies a fieldcrm bbolt database into PostgreSQL (the
// schema of crm/pgstore) with every record, id, change set and the state of
// the gateways and the scheduler (Copy), and checks such a copy (Check).
// `fieldcrm migrate` is its command.
package pgcopy

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// recordValues decodes a record's JSON and returns the values of its
// table's columns in order: crm.Base's, the kind's typed columns
// (pgstore.Tables), and data (the JSON as stored in bbolt).
func recordValues(kind string, data []byte) ([]any, error) {
	t, ok := pgstore.Tables[kind]
	if !ok {
		return nil, fmt.Errorf("no table for kind %q", kind)
	}
	b, cols, err := typedColumns(kind, data)
	if err != nil {
		return nil, err
	}
	out := []any{b.ID, b.Owner, b.Branch, b.Dept, b.Created, b.Updated}
	for _, c := range t.Cols {
		v, ok := cols[c]
		if !ok {
			return nil, fmt.Errorf("%s: no value for column %s", kind, c)
		}
		out = append(out, v)
	}
	return append(out, string(data)), nil
}

// typedColumns decodes data into kind's record type and returns its Base and
// its typed columns by name, as pgstore's schema defines them (a zero time
// is NULL; bought is a date).
func typedColumns(kind string, data []byte) (*crm.Base, map[string]any, error) {
	tm := pgstore.Time
	var b *crm.Base
	var c map[string]any
	var err error
	switch crm.Kind(kind) {
	case crm.KindUser:
		var r crm.User
		err = json.Unmarshal(data, &r)
		b, c = &r.Base, map[string]any{"name": r.Name, "email": r.Email, "role": string(r.Role), "manager": r.Manager, "disabled": r.Disabled}
	case crm.KindAccount:
		var r crm.Account
		err = json.Unmarshal(data, &r)
		b, c = &r.Base, map[string]any{"name": r.Name, "status": r.Status, "parent": r.Parent, "city": r.City, "industry": r.Industry, "blacklisted": r.Blacklisted}
	case crm.KindContact:
		var r crm.Contact
		err = json.Unmarshal(data, &r)
		b, c = &r.Base, map[string]any{"account": r.Account, "name": r.Name, "mobile": r.Mobile, "landline": r.Landline, "removed": r.Removed}
	case crm.KindLead:
		var r crm.Lead
		err = json.Unmarshal(data, &r)
		b, c = &r.Base, map[string]any{"subject": r.Subject, "company": r.Company, "phone": r.Phone, "source": r.Source,
			"campaign": r.Campaign, "status": r.Status, "estimated_value": int64(r.EstimatedValue)}
	case crm.KindOpp:
		var r crm.Opportunity
		err = json.Unmarshal(data, &r)
		b, c = &r.Base, map[string]any{"account": r.Account, "name": r.Name, "stage": int16(r.Stage), "amount": int64(r.Amount),
			"probability": int32(r.Probability), "close_at": tm(r.Close), "closed_at": tm(r.ClosedAt), "lead": r.Lead,
			"campaign": r.Campaign, "lost_to": r.LostTo}
	case crm.KindActivity:
		var r crm.Activity
		err = json.Unmarshal(data, &r)
		b, c = &r.Base, map[string]any{"type": r.Type, "status": r.Status, "priority": r.Priority, "due": tm(r.Due),
			"account": r.Account, "contact": r.Contact, "opp": r.Opp, "lead": r.Lead, "assigned_by": r.AssignedBy,
			"assigned_at": tm(r.AssignedAt), "done_at": tm(r.DoneAt)}
	case crm.KindEquipment:
		var r crm.Equipment
		err = json.Unmarshal(data, &r)
		var bought any
		if !r.Bought.IsZero() { // the date as crm keeps it, in the record's own zone
			y, m, d := r.Bought.Date()
			bought = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
		b, c = &r.Base, map[string]any{"account": r.Account, "brand": r.Brand, "model": r.Model, "serial": r.Serial,
			"own_brand": crm.IsOwnBrand(r.Brand), "bought": bought, "smu": int32(r.SMU)}
	case crm.KindCompetitor:
		var r crm.Competitor
		err = json.Unmarshal(data, &r)
		b, c = &r.Base, map[string]any{"name": r.Name}
	case crm.KindCampaign:
		var r crm.Campaign
		err = json.Unmarshal(data, &r)
		b, c = &r.Base, map[string]any{"name": r.Name, "budget": int64(r.Budget), "cost": int64(r.Cost),
			"start_at": tm(r.Start), "end_at": tm(r.End)}
	case crm.KindDocument:
		var r crm.Document
		err = json.Unmarshal(data, &r)
		b, c = &r.Base, map[string]any{"account": r.Account, "name": r.Name, "sha256": r.SHA256, "size": r.Size}
	case crm.KindRequest:
		var r crm.Request
		err = json.Unmarshal(data, &r)
		b, c = &r.Base, map[string]any{"type": r.Type, "status": r.Status, "target_kind": string(r.TargetKind),
			"target": r.Target, "requested_by": r.RequestedBy, "decided_by": r.DecidedBy}
	default:
		return nil, nil, fmt.Errorf("unknown kind %q", kind)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", kind, err)
	}
	return b, c, nil
}

// TableOf names the PostgreSQL table of a kind's records.
func TableOf(k crm.Kind) string {
	if t, ok := pgstore.Tables[string(k)]; ok {
		return t.Name
	}
	return ""
}
