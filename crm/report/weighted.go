package report

import "github.com/fieldcrm/fieldcrm/crm"

// Weighted is an opportunity's weighted revenue as every report counts it:
// amount × probability / 100, rounded down to the fen. The web console's
// pipeline uses it, so that its figures are the funnel report's.
func Weighted(o *crm.Opportunity) crm.Money { return weighted(o) }
