package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// MemRun is one memory measurement of one server.
type MemRun struct {
	Round     int    `json:"round"`
	Server    string `json:"server"`
	Extension string `json:"extension"` // the server's permessage-deflate answer, if any

	Conns      int    `json:"conns"`       // connections open at the second reading
	DialErrors int    `json:"dial_errors"` // connections that failed, in the handshake or an echo
	FirstError string `json:"first_error,omitempty"`

	// Heap is heap_bytes from GET /stats: bytes of heap objects, live or
	// not yet swept, the least of several readings. HeapGC is heap_bytes
	// from GET /stats?gc=1, after a forced collection: the live heap (0
	// for wsframe, whose /stats has no such query).
	HeapBefore   uint64 `json:"heap_before"`
	HeapAfter    uint64 `json:"heap_after"`
	HeapGCBefore uint64 `json:"heap_gc_before,omitempty"`
	HeapGCAfter  uint64 `json:"heap_gc_after,omitempty"`
	// RSS is VmRSS from /proc/PID/status, the least of the same readings.
	RSSBefore uint64 `json:"rss_before"`
	RSSAfter  uint64 `json:"rss_after"`
	// Mallocs is heap objects allocated while the connections were made
	// and their messages echoed.
	Mallocs uint64 `json:"mallocs"`

	HeapPerConn   float64 `json:"heap_per_conn"`
	HeapGCPerConn float64 `json:"heap_gc_per_conn,omitempty"`
	RSSPerConn    float64 `json:"rss_per_conn"`
	AllocsPerConn float64 `json:"allocs_per_conn"`

	// Compressed sizes of the first connection's first message and its
	// echo (see Probe).
	Sent int `json:"sent"`
	Echo int `json:"echo"`

	Discarded bool   `json:"discarded"`
	Reason    string `json:"reason,omitempty"`
}

// MemSummary is the medians over rounds of one server's memory runs.
type MemSummary struct {
	Server    string `json:"server"`
	Label     string `json:"label"`
	Extension string `json:"extension"`
	Runs      int    `json:"runs"`
	Of        int    `json:"of"`

	Conns         Stat `json:"conns"`
	HeapBefore    Stat `json:"heap_before"`
	HeapAfter     Stat `json:"heap_after"`
	RSSBefore     Stat `json:"rss_before"`
	RSSAfter      Stat `json:"rss_after"`
	HeapPerConn   Stat `json:"heap_per_conn"`
	HeapGCPerConn Stat `json:"heap_gc_per_conn"`
	RSSPerConn    Stat `json:"rss_per_conn"`
	AllocsPerConn Stat `json:"allocs_per_conn"`
	Sent          int  `json:"sent"`
	Echo          int  `json:"echo"`
}

// runMemory measures memory per connection, one server at a time, for
// cfg.rounds rounds, and writes the results.
func runMemory(ctx context.Context, cfg config, meta *Meta, servers []*server, procs *procSet, logDir string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		return 1
	}
	var env []string
	if cfg.memGOGC != "" {
		env = append(env, "GOGC="+cfg.memGOGC)
	}
	var runs []*MemRun
	total := cfg.rounds * len(servers)
	for round := 0; round < cfg.rounds; round++ {
		for _, s := range rotate(servers, round) {
			if ctx.Err() != nil {
				fmt.Fprintln(os.Stderr, "sweep: interrupted; servers stopped, nothing written")
				return 130
			}
			if err := s.start(ctx, procs, cfg, logDir, env); err != nil {
				return fail(err)
			}
			r := measureMemory(ctx, cfg, s)
			procs.stop(s.proc)
			r.Round = round + 1
			runs = append(runs, r)
			status := fmt.Sprintf("%d conns: heap %s/conn, RSS %s/conn", r.Conns, kib(r.HeapPerConn), kib(r.RSSPerConn))
			if r.HeapGCPerConn > 0 {
				status += fmt.Sprintf(", heap after GC %s/conn", kib(r.HeapGCPerConn))
			}
			if r.Discarded {
				status = "DISCARDED: " + r.Reason
			}
			fmt.Fprintf(os.Stderr, "sweep: [%d/%d] round %d  %-8s  %s\n", len(runs), total, round+1, s.Name, status)
		}
	}
	summary := summarizeMemory(servers, runs)
	md := memoryMarkdown(cfg, meta, summary, runs)
	fmt.Print(md)
	if err := writeMemoryResults(cfg.results, meta, summary, runs, md); err != nil {
		return fail(err)
	}
	return 0
}

// measureMemory reads s's memory, opens cfg.memConns connections and
// echoes cfg.memMsgs messages on each, reads its memory again with all of
// them open, and closes them.
func measureMemory(ctx context.Context, cfg config, s *server) *MemRun {
	r := &MemRun{Server: s.Name}
	discard := func(format string, args ...any) *MemRun {
		r.Discarded, r.Reason = true, fmt.Sprintf(format, args...)
		return r
	}
	pid := s.proc.cmd.Process.Pid
	time.Sleep(cfg.memSettle) // let the server finish starting
	before, err := readMemory(ctx, s, pid)
	if err != nil {
		return discard("before: %v", err)
	}

	var conns []*wsConn
	defer func() {
		for _, c := range conns {
			c.close()
		}
	}()
	for i := range cfg.memConns {
		if ctx.Err() != nil {
			return discard("interrupted")
		}
		c, err := dialWS(ctx, s.Addr, cfg.deflate)
		if err == nil && cfg.deflate && c.ext == "" {
			c.close()
			err = errors.New("the server declined permessage-deflate")
		}
		for k := 0; err == nil && k < cfg.memMsgs; k++ {
			var sent, echo int
			sent, echo, err = c.echo(textPayload(cfg.memSize, uint64(k)), 10*time.Second)
			if i == 0 && k == 0 {
				r.Sent, r.Echo = sent, echo
			}
			if err != nil {
				c.close()
			}
		}
		if err != nil {
			r.DialErrors++
			if r.FirstError == "" {
				r.FirstError = err.Error()
			}
			continue
		}
		r.Extension = c.ext
		conns = append(conns, c)
	}
	r.Conns = len(conns)
	if r.Conns == 0 {
		return discard("no connection: %s", r.FirstError)
	}
	time.Sleep(cfg.memSettle)
	after, err := readMemory(ctx, s, pid)
	if err != nil {
		return discard("after: %v", err)
	}
	r.HeapBefore, r.HeapAfter = before.heap, after.heap
	r.HeapGCBefore, r.HeapGCAfter = before.heapGC, after.heapGC
	r.RSSBefore, r.RSSAfter = before.rss, after.rss
	r.Mallocs = after.mallocs - before.mallocs
	n := float64(r.Conns)
	r.HeapPerConn = (float64(r.HeapAfter) - float64(r.HeapBefore)) / n
	if r.HeapGCAfter > 0 {
		r.HeapGCPerConn = (float64(r.HeapGCAfter) - float64(r.HeapGCBefore)) / n
	}
	r.RSSPerConn = (float64(r.RSSAfter) - float64(r.RSSBefore)) / n
	r.AllocsPerConn = float64(r.Mallocs) / n
	if r.DialErrors > 0 {
		return discard("%d of %d connections failed: %s", r.DialErrors, cfg.memConns, r.FirstError)
	}
	return r
}

// memReading is the memory of a server at one time.
type memReading struct {
	heap, heapGC, rss, mallocs uint64
}

// readMemory reads s's heap_bytes and VmRSS five times, 200 ms apart, and
// keeps the least of each; then, for the peer servers, heap_bytes from
// /stats?gc=1, which runs a collection first (`wsbench serve` has no such
// query). mallocs is from the first reading.
func readMemory(ctx context.Context, s *server, pid int) (memReading, error) {
	var m memReading
	for i := range 5 {
		if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		st, err := getStats(ctx, s.Addr)
		if err != nil {
			return m, err
		}
		rss, err := vmRSS(pid)
		if err != nil {
			return m, err
		}
		if i == 0 {
			m.heap, m.rss, m.mallocs = st.Heap, rss, st.Mallocs
		}
		m.heap, m.rss = min(m.heap, st.Heap), min(m.rss, rss)
	}
	if s.Name != "wsframe" {
		st, err := getStatsPath(ctx, s.Addr, "/stats?gc=1")
		if err != nil {
			return m, err
		}
		m.heapGC = st.Heap
	}
	if m.heap == 0 {
		return m, errors.New("/stats reports no heap_bytes")
	}
	return m, nil
}

// vmRSS returns the resident set size of process pid in bytes, VmRSS in
// /proc/PID/status.
func vmRSS(pid int) (uint64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmRSS %q: %v", v, err)
		}
		return kb << 10, nil
	}
	return 0, errors.New("no VmRSS in /proc/PID/status")
}

func summarizeMemory(servers []*server, runs []*MemRun) []*MemSummary {
	var out []*MemSummary
	for _, s := range servers {
		sum := &MemSummary{Server: s.Name, Label: s.Label}
		var conns, hb, ha, rb, ra, heap, heapGC, rss, allocs []float64
		for _, r := range runs {
			if r.Server != s.Name {
				continue
			}
			sum.Of++
			if r.Discarded {
				continue
			}
			sum.Runs++
			sum.Extension, sum.Sent, sum.Echo = r.Extension, r.Sent, r.Echo
			conns = append(conns, float64(r.Conns))
			hb, ha = append(hb, float64(r.HeapBefore)), append(ha, float64(r.HeapAfter))
			rb, ra = append(rb, float64(r.RSSBefore)), append(ra, float64(r.RSSAfter))
			heap, rss = append(heap, r.HeapPerConn), append(rss, r.RSSPerConn)
			if r.HeapGCAfter > 0 {
				heapGC = append(heapGC, r.HeapGCPerConn)
			}
			allocs = append(allocs, r.AllocsPerConn)
		}
		sum.Conns, sum.HeapBefore, sum.HeapAfter = stat(conns), stat(hb), stat(ha)
		sum.RSSBefore, sum.RSSAfter = stat(rb), stat(ra)
		sum.HeapPerConn, sum.HeapGCPerConn, sum.RSSPerConn = stat(heap), stat(heapGC), stat(rss)
		sum.AllocsPerConn = stat(allocs)
		out = append(out, sum)
	}
	return out
}

func writeMemoryResults(dir string, meta *Meta, summary []*MemSummary, runs []*MemRun, md string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name, latest := "memory-", "latest-memory"
	if meta.Deflate {
		name, latest = "memory-deflate-", "latest-memory-deflate"
		if meta.Takeover {
			name, latest = "memory-deflate-takeover-", "latest-memory-deflate-takeover"
		}
	}
	base := filepath.Join(dir, name+meta.Date.Format("2006-01-02-1504"))
	raw, err := json.MarshalIndent(struct {
		Meta    *Meta         `json:"meta"`
		Summary []*MemSummary `json:"summary"`
		Runs    []*MemRun     `json:"runs"`
	}{meta, summary, runs}, "", "  ")
	if err != nil {
		return err
	}
	files := []struct {
		path string
		data []byte
	}{
		{base + ".md", []byte(md)},
		{base + ".json", append(raw, '\n')},
		{filepath.Join(dir, latest+".md"), []byte(md)},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "sweep: wrote %s.{md,json} and %s/%s.md\n", base, dir, latest)
	return nil
}

// kib formats bytes in KiB with one decimal.
func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }

// mib formats bytes in MiB with one decimal.
func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }
