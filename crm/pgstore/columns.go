package pgstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Columns returns a record's Base and its typed columns by name, as the
// kind's Table has them (a zero time is NULL; bought is a date). The engine
// writes them beside the record's JSON; fieldcrm migrate does the same from
// the records it decodes.
func Columns(r crm.Record) (*crm.Base, map[string]any, error) {
	tm := Time
	switch r := r.(type) {
	case *crm.User:
		return &r.Base, map[string]any{"name": r.Name, "email": r.Email, "role": string(r.Role), "manager": r.Manager, "disabled": r.Disabled}, nil
	case *crm.Account:
		return &r.Base, map[string]any{"name": r.Name, "status": r.Status, "parent": r.Parent, "city": r.City, "industry": r.Industry, "blacklisted": r.Blacklisted}, nil
	case *crm.Contact:
		return &r.Base, map[string]any{"account": r.Account, "name": r.Name, "mobile": r.Mobile, "landline": r.Landline, "removed": r.Removed}, nil
	case *crm.Lead:
		return &r.Base, map[string]any{"subject": r.Subject, "company": r.Company, "phone": r.Phone, "source": r.Source,
			"campaign": r.Campaign, "status": r.Status, "estimated_value": int64(r.EstimatedValue)}, nil
	case *crm.Opportunity:
		return &r.Base, map[string]any{"account": r.Account, "name": r.Name, "stage": int16(r.Stage), "amount": int64(r.Amount),
			"probability": int32(r.Probability), "close_at": tm(r.Close), "closed_at": tm(r.ClosedAt), "lead": r.Lead,
			"campaign": r.Campaign, "lost_to": r.LostTo}, nil
	case *crm.Activity:
		return &r.Base, map[string]any{"type": r.Type, "status": r.Status, "priority": r.Priority, "due": tm(r.Due),
			"account": r.Account, "contact": r.Contact, "opp": r.Opp, "lead": r.Lead, "assigned_by": r.AssignedBy,
			"assigned_at": tm(r.AssignedAt), "done_at": tm(r.DoneAt)}, nil
	case *crm.Equipment:
		var bought any
		if !r.Bought.IsZero() { // the date as crm keeps it, in the record's own zone
			y, m, d := r.Bought.Date()
			bought = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
		return &r.Base, map[string]any{"account": r.Account, "brand": r.Brand, "model": r.Model, "serial": r.Serial,
			"own_brand": crm.IsOwnBrand(r.Brand), "bought": bought, "smu": int32(r.SMU)}, nil
	case *crm.Competitor:
		return &r.Base, map[string]any{"name": r.Name}, nil
	case *crm.Campaign:
		return &r.Base, map[string]any{"name": r.Name, "budget": int64(r.Budget), "cost": int64(r.Cost),
			"start_at": tm(r.Start), "end_at": tm(r.End)}, nil
	case *crm.Document:
		return &r.Base, map[string]any{"account": r.Account, "name": r.Name, "sha256": r.SHA256, "size": r.Size}, nil
	case *crm.Request:
		return &r.Base, map[string]any{"type": r.Type, "status": r.Status, "target_kind": string(r.TargetKind),
			"target": r.Target, "requested_by": r.RequestedBy, "decided_by": r.DecidedBy}, nil
	}
	return nil, nil, fmt.Errorf("pgstore: no columns for %T", r)
}

// rowArgs are a record's values in its table's column order: Base, the
// typed columns, data.
func rowArgs(t *Table, r crm.Record, data []byte) ([]any, error) {
	b, cols, err := Columns(r)
	if err != nil {
		return nil, err
	}
	a := make([]any, 0, len(baseCols)+len(t.Cols)+1)
	a = append(a, b.ID, b.Owner, b.Branch, b.Dept, b.Created, b.Updated)
	for _, c := range t.Cols {
		v, ok := cols[c]
		if !ok {
			return nil, fmt.Errorf("pgstore: %s: no value for column %s", t.Name, c)
		}
		a = append(a, v)
	}
	return append(a, string(data)), nil
}

// Decode reads a record of kind k from its JSON.
func Decode(k crm.Kind, data []byte) (crm.Record, error) {
	var r crm.Record
	switch k {
	case crm.KindUser:
		r = &crm.User{}
	case crm.KindAccount:
		r = &crm.Account{}
	case crm.KindContact:
		r = &crm.Contact{}
	case crm.KindLead:
		r = &crm.Lead{}
	case crm.KindOpp:
		r = &crm.Opportunity{}
	case crm.KindActivity:
		r = &crm.Activity{}
	case crm.KindEquipment:
		r = &crm.Equipment{}
	case crm.KindCompetitor:
		r = &crm.Competitor{}
	case crm.KindCampaign:
		r = &crm.Campaign{}
	case crm.KindDocument:
		r = &crm.Document{}
	case crm.KindRequest:
		r = &crm.Request{}
	default:
		return nil, fmt.Errorf("pgstore: unknown kind %q", k)
	}
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("%s: %w", k, err)
	}
	return r, nil
}
