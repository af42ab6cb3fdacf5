package main

import (
	"fmt"
	"time"
)

// stage is a feeding stage; each has a product line and an exclusive advisor.
type stage int

const (
	expecting stage = iota // pregnancy
	infant                 // 0–6 months
	followOn               // 6–12 months
	toddler                // 1–3 years
	kids                   // 3 years and up
)

var stageNames = [...]string{"expecting", "0–6 months", "6–12 months", "1–3 years", "3 years+"}

func (s stage) String() string { return stageNames[s] }

// products is the catalogue: one main product per stage.
var products = [...]string{
	expecting: "Mama pregnancy milk powder",
	infant:    "Stage 1 infant formula",
	followOn:  "Stage 2 follow-on formula",
	toddler:   "Stage 3 growing-up milk",
	kids:      "Kids' yogurt drink 12-pack",
}

// stageAt is the feeding stage of a baby born at birth (a future date: still expecting).
func stageAt(birth, now time.Time) stage {
	m := months(birth, now)
	switch {
	case now.Before(birth):
		return expecting
	case m < 6:
		return infant
	case m < 12:
		return followOn
	case m < 36:
		return toddler
	}
	return kids
}

func months(birth, now time.Time) int {
	y, m, _ := now.Date()
	by, bm, _ := birth.Date()
	return (y-by)*12 + int(m-bm)
}

// purchase is one order from the brand's mini-program mall.
type purchase struct {
	Product string
	Date    time.Time
}

// profile is what the brand's CRM knows about a family, keyed by the WeChat unionid that both
// the mall and the kf account (bound to the same WeChat developer entity) see.
type profile struct {
	Parent, Baby string
	Birth        time.Time // due date while expecting
	Purchases    []purchase
}

// crm is an in-memory stand-in for the brand's CRM; read-only once built.
type crm map[string]profile // unionid → profile

// recommendation is what the desk proposes to a customer.
type recommendation struct {
	Stage   stage
	Product string
	Why     string
}

// recommend consults the CRM: the baby's stage picks the product, the purchase history says
// whether it is a restock or a move to the next stage.
func (c crm) recommend(unionID string, now time.Time) recommendation {
	p, ok := c[unionID]
	if !ok {
		return recommendation{Stage: infant, Product: "Starter sample box",
			Why: "new to us: a free sample box to find the right stage"}
	}
	st := stageAt(p.Birth, now)
	r := recommendation{Stage: st, Product: products[st]}
	age := fmt.Sprintf("%s is %d months", p.Baby, months(p.Birth, now))
	if st == expecting {
		age = fmt.Sprintf("%s is due in %d days", p.Baby, int(p.Birth.Sub(now).Hours()/24))
	}
	if len(p.Purchases) == 0 {
		r.Why = age + ", no orders yet"
		return r
	}
	last := p.Purchases[len(p.Purchases)-1]
	days := int(now.Sub(last.Date).Hours() / 24)
	if last.Product == r.Product {
		r.Why = fmt.Sprintf("%s, last %s order %d days ago: time to restock", age, last.Product, days)
	} else {
		r.Why = fmt.Sprintf("%s, still on %s: time to move up", age, last.Product)
	}
	return r
}

// demoCRM builds the families of the simulated customers: unionid "oSprout%04d" for customer i,
// except every eighth customer, who is new to the brand.
func demoCRM(n int, now time.Time) crm {
	c := crm{}
	for i := range n {
		if i%8 == 7 {
			continue
		}
		age := (i*7)%43 - 4 // months; negative: still expecting
		birth := now.AddDate(0, -age, -3)
		p := profile{Parent: parents[i%len(parents)], Baby: babies[i%len(babies)], Birth: birth}
		if age > 0 {
			// The last order is of the previous stage for every third family.
			st := stageAt(birth, now)
			if i%3 == 0 && st > infant {
				st--
			}
			p.Purchases = []purchase{{Product: products[st], Date: now.AddDate(0, 0, -(12 + i%25))}}
		}
		c[fmt.Sprintf("oSprout%04d", i)] = p
	}
	return c
}

var (
	parents = []string{"Lily's mum", "Chen Wei", "Xiaomei", "Tom's dad", "Wang Jing", "Anna", "Liu Yang", "Zhou Min"}
	babies  = []string{"Mia", "Leo", "Doudou", "Yuanyuan", "Max", "Tiantian", "Coco", "Lele", "Nuonuo"}
)
