package main

import (
	"fmt"
	"math"
	"strings"
)

// markdown renders the summary as a table with notes on how it was made.
func markdown(meta *Meta, summary []*Summary, runs []*Run) string {
	var b strings.Builder
	title, load := "Echo servers compared", "`wsbench client -binary -payload "+meta.Payload+"`"
	if meta.Deflate {
		title, load = "Echo servers compared with permessage-deflate", "`wsbench client -deflate -payload "+meta.Payload+"` (text messages, compressed)"
	}
	fmt.Fprintf(&b, "# %s, %s\n\n", title, meta.Date.Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, "Machine: %s; %s.\n\n", meta.Machine, meta.Go)
	fmt.Fprintf(&b, "Pinning: %s, the same for every server.\n\n", meta.Pinning)
	fmt.Fprintf(&b, "Load: %s, closed loop, one message in flight per connection, "+
		"%s per run after %s of unmeasured warm-up; %d rounds, each running every case against every server in turn "+
		"(server order rotated each round, servers restarted each round); medians over rounds.\n\n",
		load, meta.Duration, meta.Warmup, meta.Rounds)
	if meta.Deflate {
		writeDeflateNotes(&b, meta, summary)
	}
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
	if meta.Deflate {
		writeVsFastest(&b, meta, summary)
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
	var discarded []string
	for _, r := range runs {
		if r.Discarded {
			discarded = append(discarded, fmt.Sprintf("round %d, %s, %s: %s", r.Round, r.Case, r.Server, oneLine(r.Reason)))
		}
	}
	writeDiscarded(&b, discarded, len(runs), "none (no run had a client error)")
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

// deflateSettings says how each server compresses in the sweep's -deflate
// mode; see the doc comment of each server.
var deflateSettings = map[string]string{
	"wsframe": "`wsbench serve` as it starts by default: accepts permessage-deflate asking for no context takeover both ways " +
		"(compression and inflate state from pools shared by all connections); klauspost/compress level 1; compresses replies of 64 bytes and more",
	"gorilla": "`Upgrader.EnableCompression = true`: no context takeover both ways, the only mode gorilla has; compress/flate level 1 " +
		"(pooled writers and readers); compresses every message it writes, whatever its size",
	"gws": "`PermessageDeflate{Enabled: true}` with gws's defaults: no context takeover both ways, 15-bit windows, " +
		"klauspost/compress level 1 (the v1.17.9 gws requires), messages under 512 bytes (Threshold) sent uncompressed, " +
		"a pool of 32 compressors and inflaters (PoolSize) made at start and shared by all connections",
	"coder": "`CompressionMode: CompressionNoContextTakeover`: no context takeover both ways; compress/flate level 1 (pooled writers and readers); " +
		"messages under 512 bytes (the default CompressionThreshold) sent uncompressed",
}

// takeoverSettings is deflateSettings with -takeover.
var takeoverSettings = map[string]string{
	"wsframe": "`wsbench serve -deflate-takeover`: accepts permessage-deflate with context takeover both ways; with 15-bit windows a compressor " +
		"(klauspost/compress level 1) per connection, with smaller ones (-deflate-window) a pooled compressor primed with the window the connection keeps; " +
		"an inflate window per connection; compresses replies of 64 bytes and more",
	"gws": "`PermessageDeflate{Enabled: true, ServerContextTakeover: true, ClientContextTakeover: true}`: context takeover both ways, " +
		"gws's default windows for it (12 bits, 4 KiB), klauspost/compress level 1 and a window per connection; compresses every message",
	"coder": "`CompressionMode: CompressionContextTakeover`: context takeover both ways; a compress/flate level 1 writer and a reader per connection; " +
		"messages under 512 bytes sent uncompressed",
}

// settings returns how server name compresses in meta's sweep.
func settings(meta *Meta, name string) string {
	s := deflateSettings[name]
	if meta.Takeover {
		s = takeoverSettings[name]
	}
	for _, srv := range meta.Servers {
		if srv.Name == name && name == "wsframe" {
			s += " (started as `wsbench " + strings.Join(srv.Args, " ") + "`)"
		}
	}
	return s
}

// writeDeflateNotes says how each server compresses and what it
// answered, and how much its echoes shrank on the wire.
func writeDeflateNotes(b *strings.Builder, meta *Meta, summary []*Summary) {
	content := "a feed of JSON trade events (`-payload json`), whose keys repeat and whose numbers do not, " +
		"so that it compresses about as real data does"
	if meta.Payload != "json" {
		content = "the letters a to z over and over (`-payload pattern`), which compress to almost nothing, " +
			"so that compression costs far less than it does with real data"
	}
	b.WriteString("Compression: the client offers `" + chromiumOffer + "` (Chromium's offer) and compresses messages of 64 bytes and more " +
		"with klauspost/compress level 1, each on its own. The messages hold " + content + "; their first 16 bytes are a hexadecimal sequence number. " +
		"A run in which the server declined permessage-deflate is discarded. The servers:\n\n")
	for _, s := range meta.Servers {
		ext := ""
		for _, sum := range summary {
			if sum.Server == s.Name && sum.Extension != "" {
				ext = sum.Extension
			}
		}
		fmt.Fprintf(b, "- %s: %s. It answered `%s`.\n", s.Label, settings(meta, s.Name), ext)
	}
	b.WriteString("\nEchoes on the wire: payload bytes of each server's echoes over their plain bytes, as `wsbench client` counted them (median over rounds):\n\n")
	b.WriteString("| case |")
	for _, s := range meta.Servers {
		b.WriteString(" " + s.Name + " |")
	}
	b.WriteString("\n|------|")
	for range meta.Servers {
		b.WriteString("-----:|")
	}
	b.WriteString("\n")
	for _, c := range meta.Cases {
		fmt.Fprintf(b, "| %s |", c)
		for _, s := range meta.Servers {
			cell := "–"
			for _, sum := range summary {
				if sum.Case == c && sum.Server == s.Name && sum.Runs > 0 {
					cell = fmt.Sprintf("%.1f%%", 100*sum.EchoWireRatio.Median)
				}
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// writeVsFastest compares wsframe, case by case, with the fastest of the
// other servers: medians over rounds of each.
func writeVsFastest(b *strings.Builder, meta *Meta, summary []*Summary) {
	b.WriteString("\nwsframe against the fastest other server of each case (median msgs/s over rounds); " +
		"the ratios divide wsframe's medians by that server's:\n\n")
	b.WriteString("| case | fastest other | its msgs/s | wsframe msgs/s | wsframe ÷ it, msgs/s | wsframe ÷ it, server CPU/msg |\n")
	b.WriteString("|------|------|-----:|-----:|-----:|-----:|\n")
	for _, c := range meta.Cases {
		var w, best *Summary
		for _, s := range summary {
			if s.Case != c || s.Runs == 0 {
				continue
			}
			if s.Server == "wsframe" {
				w = s
			} else if best == nil || s.MsgsPerSec.Median > best.MsgsPerSec.Median {
				best = s
			}
		}
		if w == nil || best == nil {
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %.2fx | %.2fx |\n", c, best.Label, thousands(best.MsgsPerSec.Median), thousands(w.MsgsPerSec.Median),
			w.MsgsPerSec.Median/best.MsgsPerSec.Median, w.ServerCPUusPerMsg.Median/best.ServerCPUusPerMsg.Median)
	}
}

// memoryMarkdown renders the memory measurement.
func memoryMarkdown(cfg config, meta *Meta, summary []*MemSummary, runs []*MemRun) string {
	var b strings.Builder
	title := "Memory per connection"
	if meta.Deflate {
		title += " with permessage-deflate"
	}
	fmt.Fprintf(&b, "# %s, %s\n\n", title, meta.Date.Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, "Machine: %s; %s.\n\n", meta.Machine, meta.Go)
	gogc := "as the environment has it"
	if meta.MemGOGC != "" {
		gogc = "GOGC=" + meta.MemGOGC
	}
	fmt.Fprintf(&b, "Each server in turn, freshly started with GOMAXPROCS=1 under `taskset -c %s` and %s: "+
		"the sweep reads its memory, opens %d connections one after the other, echoes %d text messages of %s on each (checked byte for byte), "+
		"keeps them all open, waits %s and reads its memory again. %d rounds, servers in an order rotated each round; medians over rounds.\n\n",
		meta.ServerCPU, gogc, meta.MemConns, meta.MemMsgs, sizeName(meta.MemSize), cfg.memSettle, meta.Rounds)
	if meta.Deflate {
		b.WriteString("Compression: the sweep's client offers `" + chromiumOffer + "` and compresses each message (compress/flate level 1, each on its own; Huffman only if the server limits the client's window); " +
			"the payload is `wsbench client`'s text template (letters a to z over and over, a hexadecimal sequence number in front). The servers:\n\n")
		for _, s := range meta.Servers {
			fmt.Fprintf(&b, "- %s: %s.\n", s.Label, settings(meta, s.Name))
		}
		b.WriteString("\n")
	}
	b.WriteString("Heap is heap_bytes of the server's GET /stats (runtime/metrics /memory/classes/heap/objects:bytes: live objects and dead ones not yet swept), " +
		"the least of five readings 200 ms apart, before the first connection and with all of them open; per connection is the difference over the connections. " +
		"`wsbench serve`'s /stats cannot force a collection, so the heap is compared without one for every server")
	if meta.MemGOGC != "" {
		fmt.Fprintf(&b, " (with GOGC=%s the collector runs whenever the heap grows by %s%%, so that dead objects are a small part of the figure)", meta.MemGOGC, meta.MemGOGC)
	}
	b.WriteString("; for the peer servers \"heap after GC\" is heap_bytes from /stats?gc=1, which runs runtime.GC() first: their live heap, as a check. " +
		"RSS is VmRSS of /proc/PID/status at the same readings (least of five): it adds goroutine stacks, the runtime's own memory and freed pages not yet returned. " +
		"Allocs per connection are heap objects allocated while connecting and echoing, over the connections. Kernel socket buffers are in neither.\n\n")

	var w *MemSummary
	for _, s := range summary {
		if s.Server == "wsframe" && s.Runs > 0 {
			w = s
		}
	}
	fmt.Fprintf(&b, "| server | answer | conns | heap before → after | heap/conn | vs wsframe | heap after GC/conn | RSS before → after | RSS/conn | vs wsframe | allocs/conn | %s sent → echo | runs |\n", sizeName(meta.MemSize))
	b.WriteString("|--------|--------|-----:|------:|------:|-----:|------:|------:|------:|-----:|-----:|------:|:----:|\n")
	for _, s := range summary {
		if s.Runs == 0 {
			fmt.Fprintf(&b, "| %s | – | – | – | – | – | – | – | – | – | – | – | 0/%d |\n", s.Label, s.Of)
			continue
		}
		heapVs, rssVs := "–", "–"
		if w != nil && w.HeapPerConn.Median > 0 && w.RSSPerConn.Median > 0 {
			heapVs = fmt.Sprintf("%.2fx", s.HeapPerConn.Median/w.HeapPerConn.Median)
			rssVs = fmt.Sprintf("%.2fx", s.RSSPerConn.Median/w.RSSPerConn.Median)
		}
		gc := "–"
		if s.HeapGCPerConn.Median != 0 {
			gc = kib(s.HeapGCPerConn.Median)
		}
		ext := s.Extension
		if ext == "" {
			ext = "(none)"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %.0f | %s → %s | %s | %s | %s | %s → %s | %s | %s | %.0f | %d → %d B | %d/%d |\n",
			s.Label, ext, s.Conns.Median, mib(s.HeapBefore.Median), mib(s.HeapAfter.Median), kib(s.HeapPerConn.Median), heapVs, gc,
			mib(s.RSSBefore.Median), mib(s.RSSAfter.Median), kib(s.RSSPerConn.Median), rssVs, s.AllocsPerConn.Median, s.Sent, s.Echo, s.Runs, s.Of)
	}
	b.WriteString("\n\"vs wsframe\" divides a server's median per connection by wsframe's. \"sent → echo\" is the payload on the wire of the first message and of its echo.\n")
	var discarded []string
	for _, r := range runs {
		if r.Discarded {
			discarded = append(discarded, fmt.Sprintf("round %d, %s: %s", r.Round, r.Server, oneLine(r.Reason)))
		}
	}
	writeDiscarded(&b, discarded, len(runs), "none")
	return b.String()
}

// writeDiscarded lists the discarded runs, one line each, out of total
// runs; none is what to say when there are none.
func writeDiscarded(b *strings.Builder, lines []string, total int, none string) {
	if len(lines) == 0 {
		b.WriteString("\nDiscarded runs: " + none + ".\n")
		return
	}
	fmt.Fprintf(b, "\nDiscarded runs (%d of %d, left out of the medians):\n\n", len(lines), total)
	for _, l := range lines {
		b.WriteString("- " + l + "\n")
	}
}
