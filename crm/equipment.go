package crm

import (
	"strconv"
	"strings"
	"time"
)

// OwnBrands are the dealer's own brands: their machines are known by serial number.
var OwnBrands = []string{"CAT", "CATERPILLAR"}

// IsOwnBrand reports whether brand is the dealer's own.
func IsOwnBrand(brand string) bool {
	b := strings.ToUpper(strings.TrimSpace(brand))
	for _, o := range OwnBrands {
		if b == o {
			return true
		}
	}
	return false
}

// Equipment is a machine at a customer: ours (by serial) or a competitor's.
type Equipment struct {
	Base
	Account     int64       `json:"account"`
	Brand       string      `json:"brand"`
	Model       string      `json:"model"`
	Serial      string      `json:"serial,omitempty"`
	SMU         int         `json:"smu,omitempty"` // service-meter hours
	SMUAt       time.Time   `json:"smu_at,omitzero"`
	GPS         string      `json:"gps,omitempty"` // GPS status: on, off, none …
	Location    string      `json:"location,omitempty"`
	Year        int         `json:"year,omitempty"`      // year built: the age follows
	Bought      time.Time   `json:"bought,omitzero"`     // purchase date: identity of other brands
	Delivered   time.Time   `json:"delivered,omitzero"`  // delivery date
	Condition   string      `json:"condition,omitempty"` // working condition
	RepairNeeds string      `json:"repair_needs,omitempty"`
	History     []EqReading `json:"history,omitempty"`
	// Note explains the change being saved (needed when SMU goes down). It is
	// kept in History, not on the record.
	Note string `json:"-"`
}

// EqReading is one recorded reading: SMU, condition and location at a time.
type EqReading struct {
	At        time.Time `json:"at"`
	By        int64     `json:"by"`
	SMU       int       `json:"smu,omitempty"`
	Condition string    `json:"condition,omitempty"`
	Location  string    `json:"location,omitempty"`
	Note      string    `json:"note,omitempty"`
}

func (*Equipment) RecordKind() Kind { return KindEquipment }
func (e *Equipment) label() string {
	s := e.Brand + " " + e.Model
	if e.Serial != "" {
		s += " sn " + e.Serial
	}
	return s
}

// uniqueEntries is the machine's identity: its serial number (own brands)
// or brand, model and purchase date at its account.
func (e *Equipment) uniqueEntries() []IndexEntry {
	if IsOwnBrand(e.Brand) {
		return []IndexEntry{{Index: IxEqSerial, Key: []byte(e.Serial), Unique: true}}
	}
	return []IndexEntry{{Index: IxEqIdent, Key: eqIdent(e), Unique: true}}
}

func (e *Equipment) indexes() []IndexEntry {
	ix := e.uniqueEntries()
	if e.Account != 0 {
		ix = append(ix, IndexEntry{Index: IxAccount, Key: linkKey(e.Account, KindEquipment, e.ID)})
	}
	return ix
}

// eqIdent is the identity of a machine of another brand: brand, model and
// purchase date at one account (two customers may well have bought the same
// model in the same month; only the dealer's serial numbers are unique
// across customers).
func eqIdent(e *Equipment) []byte {
	return append(itob(e.Account), strings.ToUpper(e.Brand)+"\x00"+strings.ToUpper(e.Model)+"\x00"+e.Bought.Format("2006-01-02")...)
}

func (e *Equipment) validate(tx *Tx, old Record) error {
	e.Brand = strings.ToUpper(strings.TrimSpace(e.Brand))
	e.Model = strings.ToUpper(strings.TrimSpace(e.Model))
	e.Serial = strings.ToUpper(strings.TrimSpace(e.Serial))
	note := strings.TrimSpace(e.Note)
	e.Note = ""
	if e.Account == 0 {
		return Errorf(EINVALID, "Equipment must be at an account.").withHint("EQ <account> CAT 320D sn <serial> smu <hours>")
	}
	if !tx.linkable(KindAccount, e.Account) {
		return Errorf(EINVALID, "Account #%d does not exist.", e.Account)
	}
	if e.Brand == "" || e.Model == "" {
		return Errorf(EINVALID, "Equipment needs a brand and a model.").withHint("EQ <account> CAT 320D sn <serial>  or  EQ <account> Komatsu PC200 bought 2019-05")
	}
	if IsOwnBrand(e.Brand) {
		if e.Serial == "" {
			return Errorf(EINVALID, "A %s machine is known by its serial number.", e.Brand).withHint("EQ <account> CAT " + e.Model + " sn <serial>")
		}
	} else if e.Bought.IsZero() {
		return Errorf(EINVALID, "A %s machine is known by brand, model and purchase date.", e.Brand).
			withHint("EQ <account> " + e.Brand + " " + e.Model + " bought 2019-05")
	}
	if e.SMU < 0 {
		return Errorf(EINVALID, "SMU hours cannot be negative.")
	}
	if e.Year != 0 && (e.Year < 1950 || e.Year > tx.now.Year()+1) {
		return Errorf(EINVALID, "Year built %d is not plausible.", e.Year)
	}
	reading := EqReading{At: tx.now, By: tx.meta.Actor.ID, Note: note}
	changed := false
	if old == nil {
		if e.SMU != 0 || e.Condition != "" || e.Location != "" {
			reading.SMU, reading.Condition, reading.Location = e.SMU, e.Condition, e.Location
			changed = true
		}
	} else {
		o := old.(*Equipment)
		e.History = o.History
		if e.SMU < o.SMU && note == "" {
			return Errorf(EINVALID, "SMU cannot go down (%d → %d) without a note, e.g. meter replaced.", o.SMU, e.SMU).
				withHint("EQ #" + itoa(e.ID) + " smu " + strconv.Itoa(e.SMU) + "; note: meter replaced")
		}
		if e.SMU != o.SMU {
			reading.SMU, changed = e.SMU, true
		}
		if e.Condition != o.Condition {
			reading.Condition, changed = e.Condition, true
		}
		if e.Location != o.Location {
			reading.Location, changed = e.Location, true
		}
	}
	if tx.importing() {
		// an import writes the machine as it was exported, readings and all
		if old != nil && len(e.History) == 0 {
			e.History = old.(*Equipment).History
		}
		return nil
	}
	if e.SMU != 0 && (old == nil || e.SMU != old.(*Equipment).SMU) {
		e.SMUAt = tx.now
	}
	if changed || note != "" {
		e.History = append(e.History, reading)
	}
	return nil
}

// Equipment reads a machine as the actor.
func (tx *Tx) Equipment(id int64) (*Equipment, error) { return getAs[Equipment](tx, id) }

// SaveEquipment records a new machine or changes one.
func (tx *Tx) SaveEquipment(e *Equipment) error { return tx.save(e) }

// FindEquipment finds a machine by its identity: serial number for own
// brands (whatever the account), brand + model + purchase date at account for
// others. It returns nil when none.
func (tx *Tx) FindEquipment(account int64, brand, model, serial string, bought time.Time) (*Equipment, error) {
	var id int64
	if IsOwnBrand(brand) {
		id = tx.etx.Unique(IxEqSerial, []byte(strings.ToUpper(strings.TrimSpace(serial))))
	} else {
		id = tx.etx.Unique(IxEqIdent, eqIdent(&Equipment{Account: account, Brand: strings.TrimSpace(brand), Model: strings.TrimSpace(model), Bought: bought}))
	}
	if id == 0 {
		return nil, tx.etx.Err()
	}
	return getAs[Equipment](tx, id)
}

// EquipmentOf lists an account's machines the actor may see.
func (tx *Tx) EquipmentOf(account int64) ([]*Equipment, error) {
	var out []*Equipment
	for _, id := range tx.linked(account, KindEquipment) {
		e, err := loadAs[Equipment](tx, id)
		if err == nil && tx.canRead(e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// HasEquipment reports whether any machine is on file at account (the rule
// "record equipment after a visit" asks for it).
func (tx *Tx) HasEquipment(account int64) bool { return tx.hasLinked(account, KindEquipment) }
