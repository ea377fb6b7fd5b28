package main

import (
	"fmt"
	"math"
	"strings"
)

// markdown renders the summary as a table with notes on how it was made.
func markdown(meta *Meta, summary []*Summary, runs []*Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Echo servers compared, %s\n\n", meta.Date.Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, "Machine: %s; %s.\n\n", meta.Machine, meta.Go)
	fmt.Fprintf(&b, "Pinning: %s, the same for every server.\n\n", meta.Pinning)
	fmt.Fprintf(&b, "Load: `wsbench client -binary`, closed loop, one message in flight per connection, "+
		"%s per run after %s of unmeasured warm-up; %d rounds, each running every case against every server in turn "+
		"(server order rotated each round, servers restarted each round); medians over rounds.\n\n",
		meta.Duration, meta.Warmup, meta.Rounds)
	b.WriteString("Server CPU and allocations are the server process's, from /proc/PID/stat (utime+stime) and its GET /stats " +
		"(runtime/metrics /gc/heap/allocs:objects) read before and after each run, divided by the messages it echoed in between; " +
		"they include the run's opening and closing handshakes. Client CPU is `wsbench client`'s own figure. " +
		"\"server busy\" is server CPU time over wall time: near 100% the server was the bottleneck, well below it the client was.\n\n")

	b.WriteString("Other processes: the machine's user CPU time during each run, less the server's and the client's, is the load of other processes " +
		fmt.Sprintf("(\"other load\", in CPUs). Before each run the sweep waited up to %s for other processes to use at most %.2f CPUs, "+
			"and a run during which they used more was made again, up to %d times. ", meta.QuietWait, meta.MaxOther, meta.Retries) +
		"\"vs wsframe\" divides a server's msgs/s, and its server CPU per message, by wsframe's in the same round and case, then takes the median over rounds.\n\n")

	b.WriteString("| case | server | msgs/s | msgs/s vs wsframe | p99 | server CPU µs/msg | server CPU vs wsframe | server allocs/msg | client CPU µs/msg | server busy | other load | runs |\n")
	b.WriteString("|------|--------|-------:|------:|----:|------:|------:|------:|------:|-----:|-----:|:----:|\n")
	for _, s := range summary {
		if s.Runs == 0 {
			fmt.Fprintf(&b, "| %s | %s | – | – | – | – | – | – | – | – | – | 0/%d |\n", s.Case, s.Label, s.Of)
			continue
		}
		msgsVs, cpuVs := "–", "–"
		if s.MsgsVsWsframe.Median > 0 {
			msgsVs = fmt.Sprintf("%.2fx", s.MsgsVsWsframe.Median)
			cpuVs = fmt.Sprintf("%.2fx", s.CPUVsWsframe.Median)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.2f | %s | %.2f | %.2f | %.0f%% | %.2f | %d/%d |\n",
			s.Case, s.Label, thousands(s.MsgsPerSec.Median), msgsVs, fmtUs(s.P99us.Median),
			s.ServerCPUusPerMsg.Median, cpuVs, s.ServerAllocsPerM.Median, s.ClientCPUusPerMsg.Median,
			100*s.ServerBusy.Median, s.OtherLoad.Median, s.Runs, s.Of)
	}
	again, still := 0, 0
	for _, r := range runs {
		if r.Tries > 1 {
			again++
		}
		if !r.Discarded && r.OtherLoad > meta.MaxOther {
			still++
		}
	}
	fmt.Fprintf(&b, "\nRuns made again because other processes were busy: %d; runs kept with other load still above %.2f CPUs: %d of %d.\n",
		again, meta.MaxOther, still, len(runs))
	var discarded []*Run
	for _, r := range runs {
		if r.Discarded {
			discarded = append(discarded, r)
		}
	}
	if len(discarded) == 0 {
		b.WriteString("\nDiscarded runs: none (no run had a client error).\n")
	} else {
		fmt.Fprintf(&b, "\nDiscarded runs (%d of %d, left out of the medians):\n\n", len(discarded), len(runs))
		for _, r := range discarded {
			fmt.Fprintf(&b, "- round %d, %s, %s: %s\n", r.Round, r.Case, r.Server, oneLine(r.Reason))
		}
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// thousands formats v rounded, with commas between groups of three digits.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func fmtUs(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%.2f s", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%.2f ms", us/1e3)
	}
	return fmt.Sprintf("%.0f µs", us)
}

// short formats v with three significant digits and a k or M suffix.
func short(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return sig3(v/1e6) + "M"
	case a >= 1e3:
		return sig3(v/1e3) + "k"
	}
	return sig3(v)
}

func sig3(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
