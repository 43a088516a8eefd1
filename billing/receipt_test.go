package billing

import (
	"fmt"
	"strings"
)

// receipt renders a quote for failure messages.
func receipt(q Quote) string {
	var b strings.Builder
	fmt.Fprintf(&b, "stay %s → %s, billing from %s, total %d (charged %d) %s\n", q.Entry.Format("01-02 15:04:05"), q.Exit.Format("01-02 15:04:05"),
		q.BillingStart.Format("01-02 15:04:05"), q.TotalFen, q.ChargedFen, q.Note)
	for _, it := range q.Items {
		fmt.Fprintf(&b, "  %-6s %-9s %s–%s w%d tier%d %d×%dmin@%d partial=%v = %d\n", it.Kind, it.Band, it.Start.Format("01-02 15:04:05"), it.End.Format("01-02 15:04:05"),
			it.Window, it.Tier, it.Units, it.UnitMinutes, it.UnitFen, it.Partial, it.Fen)
	}
	for _, a := range q.Adjustments {
		fmt.Fprintf(&b, "  -%d %s (limit %d)\n", a.Fen, a.Kind, a.Limit)
	}
	return b.String()
}
