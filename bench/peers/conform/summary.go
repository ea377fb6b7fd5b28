package main

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/wsframe/wsframe/wstest"
)

// summary writes the tables: per library, the counts of each verdict and
// the cases that failed, by group; then every failure with what was
// observed.
func summary(serverReports, clientReports []Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Conformance of the peer libraries\n\n`go run ./conform` on %s, Go %s, %s. Versions as `bench/peers/go.mod` pins them.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.GOARCH)
	table(&b, "Servers", serverReports)
	table(&b, "Clients", clientReports)
	for _, rs := range [][]Report{serverReports, clientReports} {
		for _, r := range rs {
			details(&b, r)
		}
	}
	return b.String()
}

func table(b *strings.Builder, title string, reports []Report) {
	if len(reports) == 0 {
		return
	}
	fmt.Fprintf(b, "## %s\n\n| library | pass | non-strict | fail | info | failed cases, by group |\n|---|--:|--:|--:|--:|---|\n", title)
	for _, r := range reports {
		n := map[wstest.Verdict]int{}
		var failed []*wstest.Case
		for _, res := range r.Results {
			n[res.Verdict]++
			if res.Verdict == wstest.Fail {
				failed = append(failed, res.c)
			}
		}
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %s |\n", r.Library, n[wstest.Pass], n[wstest.NonStrict], n[wstest.Fail], n[wstest.Info], byGroup(failed))
	}
	b.WriteString("\n")
}

// byGroup lists case IDs by group, with runs of consecutive IDs written
// as ranges: "UTF-8: 6.4.1-2, 6.6.14-42 (31)".
func byGroup(cases []*wstest.Case) string {
	var parts []string
	for i := 0; i < len(cases); {
		j := i
		for j < len(cases) && cases[j].Group == cases[i].Group {
			j++
		}
		parts = append(parts, fmt.Sprintf("%s: %s (%d)", cases[i].Group, ranges(cases[i:j]), j-i))
		i = j
	}
	return strings.Join(parts, "; ")
}

func ranges(cases []*wstest.Case) string {
	var out []string
	for i := 0; i < len(cases); {
		prefix, first := split(cases[i].ID)
		j, last := i+1, first
		for j < len(cases) {
			p, n := split(cases[j].ID)
			if p != prefix || n != last+1 || n < 0 {
				break
			}
			last, j = n, j+1
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%s-%d", cases[i].ID, last))
		} else {
			out = append(out, cases[i].ID)
		}
		i = j
	}
	return strings.Join(out, ", ")
}

// split cuts an ID before its last number: "6.6.14" is "6.6." and 14.
func split(id string) (string, int) {
	k := strings.LastIndexByte(id, '.') + 1
	n, err := strconv.Atoi(id[k:])
	if err != nil {
		return id, -1
	}
	return id[:k], n
}

func details(b *strings.Builder, r Report) {
	var lines []string
	for _, res := range r.Results {
		if res.Verdict == wstest.Fail || res.Verdict == wstest.NonStrict {
			obs := res.Observed
			if len(obs) > 200 {
				obs = obs[:200] + "…"
			}
			lines = append(lines, fmt.Sprintf("| %s | %s | %s | %s |", res.ID, res.Verdict, res.c.Title, strings.ReplaceAll(obs, "|", "\\|")))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s as a %s\n\n| case | verdict | what the case does | observed |\n|---|---|---|---|\n%s\n\n", r.Library, r.Role, strings.Join(lines, "\n"))
}
