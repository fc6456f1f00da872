package main

// A misread value never reaches the store silently (issue 13): one test per
// kind of value. Each sends messages that are ambiguous or only half
// readable through the real pipeline to the demo world (the end-to-end
// corpus's harness and format, see e2e_test.go), and asserts that either the
// stored record holds exactly the value meant, or the reply asks or explains
// and nothing was stored.

import (
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/templates"
)

// misreadRun runs cases written in the end-to-end corpus's format.
func misreadRun(t *testing.T, name, text string) {
	t.Helper()
	t.Setenv("FIELDCRM_TZ", "Asia/Shanghai")
	cases := e2eParse(t, name, strings.NewReader(text), map[string]string{})
	if len(cases) < 3 {
		t.Fatalf("%s: %d cases, want at least 3", name, len(cases))
	}
	seed := demoDBAt(t, e2eNow)
	tpl := templates.MustNew()
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			for _, p := range e2eRun(t, c, seed, tpl) {
				t.Errorf("%s: %s", c.id, p)
			}
		})
	}
}

func TestMisreadIDs(t *testing.T) {
	misreadRun(t, "ids", `
case no-such-id
from wang
send done 999
reply 999
nothing

case id-with-letters
from wang
send done #12a met him
reply #12a
nothing

case bare-id-is-the-id
from wang
send done 24 sent the brochure
activity id=24 status=done outcome~=brochure

case label-first
from wang
send no.37 done, pan yi bought from sany
activity id=37 status=done outcome~=sany

# a new lead's company that starts with a number is no lead id
case lead-name-starts-with-number
from wang
send LEAD 3 Brothers Quarry; Li Gang 13901234567
lead company="3 Brothers Quarry" person="Li Gang" phone=13901234567

# another salesman's record: not his to change
case someone-elses-id
from wang
send DONE #3
nothing
noreply OK
`)
}

func TestMisreadVerbs(t *testing.T) {
	misreadRun(t, "verbs", `
case two-verbs-close
from wang
send dic #24
reply DONE or DOC
nothing

case typo-carried-out-and-said
from wang
send VSIT tieling cement; wu hao; price ok
reply Read "VSIT" as VISIT
activity type=visit status=done account="Tieling Cement" contact="Wu Hao"

case zh-typo-without-known-customer
from li
send 拜方 不知道
reply 拜访
nothing

case zh-typo-before-known-customer
from li
send 拜方 华鑫矿业；李刚
reply 拜方
activity type=visit status=done account="华鑫矿业有限公司" contact="李刚"

case no-verb-at-all
from wang
send blah blah nothing here
nothing
noreply OK
`)
}

func TestMisreadAmounts(t *testing.T) {
	misreadRun(t, "amounts", `
case too-small-to-be-a-deal
from wang
send OPP #3 amount 1.2
reply 1.2
nothing

case not-an-amount
from wang
send OPP tieling cement; 2x 950H; 2.4 bananas
nothing
noreply OK

case millions
from wang
send OPP tieling cement; 2x 950H; 1.2m; close 15/12
opp account="Tieling Cement" amount=1200000 close=2026-12-15

case zh-numerals
from li
send 商机 鑫源建筑工程 2台950H 一百二十万
opp account="鑫源建筑工程有限公司" amount=1200000

case rmb-mil-not-a-model
from wang
send OPP chaoyang aggregates; 140M; RMB 1.6 mil
opp account="Chaoyang Aggregates" amount=1600000 product=1x140M

case zh-wan
from li
send 商机 #2 金额 35万
opp id=2 amount=350000
`)
}

func TestMisreadQuantities(t *testing.T) {
	misreadRun(t, "quantities", `
case spaced-x
from wang
send OPP tieling cement; 2 x 950H; 1.2m
opp account="Tieling Cement" product=2x950H amount=1200000

case zh-tai
from li
send 商机 鑫源建筑工程 3台320D 85万
opp account="鑫源建筑工程有限公司" product=3x320D amount=850000

case hours-glued
from li
send EQ 营口港建设集团 CAT 336 sn CAT0336GHJ77 3310hrs
equipment serial=CAT0336GHJ77 smu=3310

case zh-hours
from li
send 设备 沈阳地铁建设 CAT 320D 序列号 CAT0320DLN01 工时 2100小时
noreply 备注
equipment serial=CAT0320DLN01 smu=2100
`)
}

func TestMisreadDates(t *testing.T) {
	misreadRun(t, "dates", `
case impossible-date
from wang
send PLAN visit tieling cement 31/02
reply 31/02
nothing

case impossible-close
from wang
send OPP #3 close 32/13
reply 32/13
nothing

case weekday-and-time
from wang
send MEETING acme mining; zhang wei; thu 10am
activity type=meeting status=open account="ACME Mining Co." due="2026-11-26 10:00"

case deadline-on-the-same-weekday
from wang
send todo: price list to liaoyang steel by wed
activity status=open account="Liaoyang Steel Recycling" due=2026-12-02

case zh-next-monday
from li
send 计划 拜访 盘锦石化工程 下周一
activity type=visit status=open due=2026-11-30
`)
}

func TestMisreadNames(t *testing.T) {
	misreadRun(t, "names", `
case ambiguous-account-asks
from wang
send CONTACT acme Li Wei 13901234567
reply 1)
nothing

case account-of-several-words
from wang
send CONTACT acme mining Li Wei 13901234567
contact account="ACME Mining Co." name="Li Wei" mobile=13901234567

case zh-title-not-in-the-name
from li
send 名片 营口港建设集团 陈明 采购经理 13912345678
contact account="营口港建设集团" name=陈明 title=采购经理

case described-person-not-the-contact
from zhao
send V haicheng magnesite; kong wen; w/ their chief mechanic
activity type=visit account="Haicheng Magnesite" contact="Kong Wen" notes~=mechanic

case zh-customer-and-person-glued
from li
send 打电话给沈阳地铁建设孙晓东，没人接
activity type=call account="沈阳地铁建设" contact="孙晓东"

case unknown-account
from wang
send V nowhere quarry xyz; met nobody
nothing
noreply OK
`)
}

func TestMisreadStages(t *testing.T) {
	misreadRun(t, "stages", `
case unknown-stage-word
from wang
send OPP #3 stage maybe
reply maybe
nothing

case stage-number-out-of-range
from wang
send OPP #3 stage 9
nothing
noreply OK

case lost-without-whom
from wang
send OPP #5 lost
nothing
noreply OK

case lost-without-why
from li
send #14 被小松抢了
reply 原因
nothing

case stage-number
from wang
send OPP #5 stage 4
opp id=5 stage=4

case zh-stage-word
from li
send 商机 #16 阶段 报价
opp id=16 stage=4
`)
}

func TestMisreadEquipment(t *testing.T) {
	misreadRun(t, "equipment", `
case year-or-hours
from wang
send EQ acme mining komatsu PC200 2019
reply 2019
nothing

# CAT is known by its serial, so nothing else would stop this one
case cat-year-or-hours
from wang
send EQ acme mining CAT 320D 2019 sn CAT0320DQ99
reply 2019
nothing

case cat-without-serial
from wang
send EQ acme mining CAT 320D smu 4520
reply serial
nothing

case year-month-bought
from zhao
send EQ dalian port logistics Volvo L120 2018年3月
equipment account="Dalian Port Logistics" model=L120 bought=2018-03

case hours-update
from wang
send EQ tieling cement CAT D6 sn CAT0D610333 smu 5200
equipment id=9 smu=5200

case zh-year-before-last
from zhao
send EQ huludao shipyard sany SY365 前年买的
equipment model=SY365 bought=2024
`)
}
