// Package demodata is the demo database: branch Shenyang (manager Liu Yang,
// salesmen Wang Jun, Li Na and Zhao Lei, 30 accounts with contacts, machines,
// opportunities and a few overdue activities), an administrator, and a
// second branch, Dalian, whose records Shenyang's salesmen may not see. The
// demo, the web console's tests and many of cmd's tests start from it.
package demodata

import (
	"context"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// The demo database: one branch, a manager, three salesmen, 30 accounts with
// contacts, machines and opportunities, and a few overdue activities. Dates
// are relative to now, so the demo always has something due today.
// Accounts are Shenyang's accounts: name, city, industry, contact, title, mobile.
var Accounts = []struct {
	name, city, industry, contact, title, mobile string
}{
	{"ACME Mining Co.", "Anshan", "mining", "Zhang Wei", "purchasing manager", "13901395136"},
	{"ACME Transport Ltd", "Shenyang", "logistics", "Chen Jie", "fleet manager", "13901395137"},
	{"华鑫矿业有限公司", "抚顺", "矿业", "李刚", "总经理", "13912345001"},
	{"Liaoning Great Wall Heavy Construction", "Shenyang", "construction", "Sun Li", "site manager", "13912345002"},
	{"鞍钢建设集团", "鞍山", "建筑", "王强", "设备部长", "13912345003"},
	{"Dalian Port Logistics", "Dalian", "logistics", "Zhou Yang", "operations", "13912345004"},
	{"Fushun Coal Works", "Fushun", "mining", "Gao Peng", "chief engineer", "13912345005"},
	{"鑫源建筑工程有限公司", "沈阳", "建筑", "张经理", "项目经理", "13912345006"},
	{"Northern Quarry Group", "Benxi", "quarry", "Ma Lin", "owner", "13912345007"},
	{"Tieling Cement", "Tieling", "cement", "Wu Hao", "plant manager", "13912345008"},
	{"营口港建设集团", "营口", "港口", "刘洋", "采购", "13912345009"},
	{"Jinzhou Road & Bridge", "Jinzhou", "construction", "Xu Ming", "equipment manager", "13912345010"},
	{"Dandong Forestry", "Dandong", "forestry", "He Jun", "director", "13912345011"},
	{"盘锦石化工程", "盘锦", "能源", "赵磊", "设备主管", "13912345012"},
	{"Huludao Shipyard", "Huludao", "shipbuilding", "Lin Tao", "yard manager", "13912345013"},
	{"Chaoyang Aggregates", "Chaoyang", "quarry", "Qian Bo", "owner", "13912345014"},
	{"沈阳地铁建设", "沈阳", "基建", "孙晓东", "总工", "13912345015"},
	{"Fuxin Mining Services", "Fuxin", "mining", "Deng Hui", "contracts", "13912345016"},
	{"Liaoyang Steel Recycling", "Liaoyang", "steel", "Yao Fei", "owner", "13912345017"},
	{"Shenyang Airport Works", "Shenyang", "infrastructure", "Cao Rui", "project lead", "13912345018"},
	{"本溪钢铁物流", "本溪", "物流", "周强", "车队长", "13912345019"},
	{"Wafangdian Bearings Site", "Dalian", "manufacturing", "Tang Yu", "facilities", "13912345020"},
	{"Anshan Iron & Steel Contracting", "Anshan", "steel", "Lu Kai", "procurement", "13912345021"},
	{"大连港物流有限公司", "大连", "物流", "吴敏", "采购经理", "13912345022"},
	{"Kaiyuan Gravel", "Tieling", "quarry", "Pan Yi", "owner", "13912345023"},
	{"Xinmin Farm Works", "Shenyang", "agriculture", "Shi Lei", "manager", "13912345024"},
	{"Haicheng Magnesite", "Anshan", "mining", "Kong Wen", "mine manager", "13912345025"},
	{"Donggang Harbour", "Dandong", "port", "Jiang Bin", "engineer", "13912345026"},
	{"铁岭水泥厂", "铁岭", "水泥", "郑华", "厂长", "13912345027"},
	{"Zhuanghe Seafood Park", "Dalian", "construction", "Fang Ning", "builder", "13912345028"},
}

// Seed fills an empty store with the demo data (a store with users is left
// alone). Dates are relative to the store's clock.
func Seed(ctx context.Context, store *crm.Store) error {
	empty := true
	store.View(crm.System, func(tx *crm.Tx) error {
		tx.Each(crm.KindUser, func(crm.Record) bool { empty = false; return false })
		return nil
	})
	if !empty {
		return nil
	}
	now := store.Now().In(store.Location())
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, store.Location())
	meta := crm.Meta{Actor: crm.System, Channel: "import", Summary: "demo seed"}
	_, err := store.Update(ctx, meta, func(tx *crm.Tx) error {
		team := crm.Base{Branch: "shenyang", Dept: "machines"}
		mgr := &crm.User{Base: team, Name: "Liu Yang", Phones: []string{"+8613800000001"}, Email: "liu.yang@dealer.example", Role: crm.RoleSalesManager, Locale: "en"}
		if err := tx.SaveUser(mgr); err != nil {
			return err
		}
		sales := []*crm.User{
			{Base: team, Name: "Wang Jun", Email: "wang.jun@dealer.example", Phones: []string{"+8613800000002"}, Role: crm.RoleSalesman, Manager: mgr.ID, Locale: "en"},
			{Base: team, Name: "Li Na", Email: "li.na@dealer.example", Phones: []string{"+8613800000003"}, Role: crm.RoleSalesman, Manager: mgr.ID, Locale: "zh"},
			{Base: team, Name: "Zhao Lei", Email: "zhao.lei@dealer.example", Phones: []string{"+8613800000004"}, Role: crm.RoleSalesman, Manager: mgr.ID, Locale: "en"},
		}
		for _, u := range sales {
			if err := tx.SaveUser(u); err != nil {
				return err
			}
		}
		models := []string{"320D", "336", "950H", "D6", "140M", "323"}
		for i, d := range Accounts {
			owner := sales[i%3]
			a := &crm.Account{Base: crm.Base{Owner: owner.ID}, Name: d.name, City: d.city, Industry: d.industry,
				Phones: []string{fmt.Sprintf("024-2%07d", 3100000+i)}}
			c := &crm.Contact{Base: crm.Base{Owner: owner.ID}, Name: d.contact, Title: d.title, Mobile: d.mobile}
			if err := tx.CreateAccount(a, c); err != nil {
				return fmt.Errorf("%s: %w", d.name, err)
			}
			if i%4 != 0 { // a quarter have no machine on file yet
				e := &crm.Equipment{Base: crm.Base{Owner: owner.ID}, Account: a.ID, Brand: "CAT", Model: models[i%len(models)],
					Serial: fmt.Sprintf("CAT0%s%05d", models[i%len(models)], 10000+i*37), SMU: 1200 + i*311, Location: d.city, Condition: "good"}
				if err := tx.SaveEquipment(e); err != nil {
					return err
				}
			}
			if i%5 == 1 {
				e := &crm.Equipment{Base: crm.Base{Owner: owner.ID}, Account: a.ID, Brand: "KOMATSU", Model: "PC200",
					Bought: today.AddDate(-3-i%4, -i%12, 0), Location: d.city, Condition: "fair"}
				if err := tx.SaveEquipment(e); err != nil {
					return err
				}
			}
			if i%3 != 2 {
				o := &crm.Opportunity{Base: crm.Base{Owner: owner.ID}, Account: a.ID,
					Products: []crm.ProductLine{{Model: models[(i+1)%len(models)], Qty: 1 + i%3}},
					Amount:   crm.Money(int64(80+i*23) * 1_000_000), Close: today.AddDate(0, 0, 10+i*4),
					Stage: crm.Stage(1 + i%4)}
				if err := tx.CreateOpp(o); err != nil {
					return err
				}
			}
			// something due today for each, some overdue, a few done last week
			due := today.Add(time.Duration(9+i%8) * time.Hour)
			switch {
			case i%7 == 3:
				due = today.AddDate(0, 0, -(1 + i%5)).Add(18 * time.Hour) // overdue
			case i%3 == 1:
				due = today.AddDate(0, 0, 1+i%6).Add(10 * time.Hour)
			}
			act := &crm.Activity{Base: crm.Base{Owner: owner.ID}, Type: []string{crm.ActVisit, crm.ActCall, crm.ActTask}[i%3],
				Subject: []string{"visit ", "call ", "quote "}[i%3] + d.name, Account: a.ID, Contact: c.ID, Due: due}
			if i%6 == 0 {
				act.AssignedBy, act.AssignedAt = mgr.ID, today.AddDate(0, 0, -2)
				act.Priority = crm.PriorityUrgent
			}
			if err := tx.CreateActivity(act); err != nil {
				return err
			}
			if i%2 == 0 {
				done := &crm.Activity{Base: crm.Base{Owner: owner.ID}, Type: crm.ActVisit, Subject: "visit " + d.name,
					Account: a.ID, Contact: c.ID, Status: crm.StatusDone, DoneAt: today.AddDate(0, 0, -(2 + i%6)).Add(11 * time.Hour),
					Outcome: "met " + d.contact}
				if err := tx.CreateActivity(done); err != nil {
					return err
				}
			}
		}
		return tx.Save(&crm.Competitor{Name: "Komatsu", Brands: []string{"KOMATSU"}, Strengths: "price", Weaknesses: "service network"})
	})
	if err != nil {
		return err
	}
	_, err = store.Update(ctx, meta, func(tx *crm.Tx) error {
		return tx.Save(&crm.Campaign{Base: crm.Base{Owner: 1}, Name: "expo2026", Objective: "leads for 320D", Start: today.AddDate(0, -1, 0), End: today.AddDate(0, 1, 0)})
	})
	if err != nil {
		return err
	}
	// the administrator and the other branch, added last so that the ids of
	// everything above stay as the README shows them
	_, err = store.Update(ctx, meta, func(tx *crm.Tx) error {
		admin := &crm.User{Base: crm.Base{Branch: "shenyang", Dept: "admin"}, Name: "Zhou Min", Phones: []string{"+8613800000009"},
			Email: "zhou.min@dealer.example", Role: crm.RoleAdmin, Locale: "en"}
		if err := tx.SaveUser(admin); err != nil {
			return err
		}
		team := crm.Base{Branch: "dalian", Dept: "machines"}
		mgr := &crm.User{Base: team, Name: "Sun Tao", Phones: []string{"+8613800000011"}, Email: "sun.tao@dealer.example", Role: crm.RoleSalesManager, Locale: "zh"}
		if err := tx.SaveUser(mgr); err != nil {
			return err
		}
		ma := &crm.User{Base: team, Name: "Ma Qiang", Phones: []string{"+8613800000012"}, Role: crm.RoleSalesman, Manager: mgr.ID, Locale: "zh"}
		if err := tx.SaveUser(ma); err != nil {
			return err
		}
		for i, d := range DalianAccounts {
			a := &crm.Account{Base: crm.Base{Owner: ma.ID}, Name: d[0], City: "大连", Industry: d[1], Phones: []string{fmt.Sprintf("0411-8%07d", 2200000+i)}}
			c := &crm.Contact{Base: crm.Base{Owner: ma.ID}, Name: d[2], Mobile: d[3]}
			if err := tx.CreateAccount(a, c); err != nil {
				return err
			}
			o := &crm.Opportunity{Base: crm.Base{Owner: ma.ID}, Account: a.ID, Products: []crm.ProductLine{{Model: "336", Qty: 1 + i}},
				Amount: crm.Money(int64(150+i*40) * 1_000_000), Close: today.AddDate(0, 0, 20+i*7), Stage: crm.Stage(2 + i%3)}
			if err := tx.CreateOpp(o); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// DalianAccounts are the other branch's accounts: name, industry, contact, mobile.
var DalianAccounts = [][4]string{
	{"大连重工机械", "制造", "秦海", "13912346001"},
	{"Dalian Harbour Dredging", "port", "Yu Bo", "13912346002"},
	{"金州开发区建设", "建筑", "钱坤", "13912346003"},
}
