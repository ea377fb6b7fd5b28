// Command sweep compares wsframe's echo server with echo servers built on
// other Go WebSocket libraries, under the same load and on the same CPUs.
//
// Usage (from bench/peers, or through ./sweep.sh):
//
//	go run ./sweep [-cases 1x16,1x64K,64x16,64x1K,16x64K] [-duration 5s] [-rounds 3] [-warmup 1s] [-deflate]
//	go run ./sweep -memory [-deflate] [-memory-conns 500]
//
// It builds `wsbench` (cmd/wsbench of the main module) and the servers in
// servers/ into a temporary folder, starts every server on 127.0.0.1 with
// GOMAXPROCS=1 under `taskset -c 0`, and runs `wsbench client -binary
// -json` with GOMAXPROCS=1 under `taskset -c 1` against one server at a
// time. Within a round every case is run against every server in turn,
// the servers in an order rotated each round, so that drift hits all
// alike; the servers are restarted each round. Around each run it reads
// the server's CPU time from /proc/PID/stat and its GET /stats (messages
// echoed, heap allocations), and works out per echoed message the server's
// CPU time and allocations. A run in which the client reports any error is
// discarded and listed.
//
// The machine may be shared: the user CPU time of all other processes is
// read around each run too. Before a run the sweep waits (up to
// -quiet-wait) for them to use at most -max-other CPUs, and makes again
// (up to -retries times) a run during which they used more; what they
// used is reported with every result.
//
// Results are medians over rounds, written as a markdown table to stdout
// and to results/sweep-DATE.md, with the raw runs in
// results/sweep-DATE.json and bar charts in results/sweep-DATE.svg (copied
// to results/latest.md and results/latest.svg).
//
// # Compression
//
// With -deflate the servers accept permessage-deflate (RFC 7692):
// `wsbench serve` with its default (on, asking for no context takeover
// both ways), and the peers started with their -deflate flag (gorilla,
// gws and coder; gobwas's server has no compression and is left out). The
// client runs `wsbench client -deflate` with text messages (not -binary),
// offering permessage-deflate as Chromium does and compressing messages of
// 64 bytes and more; their content is a feed of JSON events (-payload
// json), which compresses about as real data does, rather than the
// letter pattern, which shrinks to almost nothing. A run in which the
// server declined compression is discarded. The client reports how much
// each server's echoes shrank on the wire. The results go to
// results/sweep-deflate-DATE.{md,json,svg} and results/latest-deflate.{md,svg}.
// With -takeover as well, every server keeps its compression context
// between messages in both directions (`wsbench serve -deflate-takeover`,
// and the peers' -deflate-takeover; gorilla cannot and is left out), and
// the files are named sweep-deflate-takeover-DATE and
// latest-deflate-takeover.
//
// # Memory per connection
//
// With -memory the sweep measures, instead of throughput, the memory each
// server holds per open connection: one server at a time, freshly started
// with GOGC set to -memory-gogc, it reads the server's heap (heap_bytes of
// GET /stats) and resident set (VmRSS of /proc/PID/status), opens
// -memory-conns connections one after the other, sends on each
// -memory-msgs text messages of -memory-size bytes (compressed, with
// -deflate) and checks their echoes, keeps the connections open, and
// reads both again. See memory.go.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx)
	stop()
	os.Exit(code)
}

// config is what the flags ask for.
type config struct {
	cases     []Case
	servers   []string
	duration  time.Duration
	warmup    time.Duration
	rounds    int
	basePort  int
	serverCPU string
	clientCPU string
	results   string
	maxOther  float64
	retries   int
	quietWait time.Duration

	deflate  bool   // compression on (see the package doc)
	takeover bool   // with deflate, context takeover both ways
	window   int    // with deflate, wsbench serve's -deflate-window
	payload  string // the client's -payload

	memory    bool // measure memory per connection instead of throughput
	memConns  int
	memMsgs   int
	memSize   int
	memGOGC   string
	memSettle time.Duration
}

func run(ctx context.Context) int {
	var cfg config
	casesFlag := flag.String("cases", "1x16,1x64K,64x16,64x1K,16x64K", "comma-separated CONNSxSIZE cases; SIZE in bytes, with K or M for KiB or MiB")
	serversFlag := flag.String("servers", "wsframe,gorilla,gobwas,gws,coder", "servers to compare, in their order in the output (with -deflate or -memory: wsframe,gorilla,gws,coder)")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "measured time per run")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "unmeasured load before each run (0: none)")
	flag.IntVar(&cfg.rounds, "rounds", 3, "rounds; results are medians over them")
	flag.IntVar(&cfg.basePort, "base-port", 9100, "wsframe listens on 127.0.0.1:PORT, the peers on the following ports")
	flag.StringVar(&cfg.serverCPU, "server-cpu", "0", "CPU list (taskset -c) for the servers")
	flag.StringVar(&cfg.clientCPU, "client-cpu", "1", "CPU list (taskset -c) for the client")
	flag.Float64Var(&cfg.maxOther, "max-other", 0.1, "make a run again if other processes used more than this many CPUs (user time) during it")
	flag.IntVar(&cfg.retries, "retries", 3, "how many times a run disturbed by other processes is made again")
	flag.DurationVar(&cfg.quietWait, "quiet-wait", time.Minute, "longest wait before a run for other processes to use at most -max-other CPUs")
	flag.StringVar(&cfg.results, "results", "", "folder for the results (default: results/ beside this program's module)")
	flag.BoolVar(&cfg.deflate, "deflate", false, "servers accept permessage-deflate and the client sends compressed text messages")
	flag.StringVar(&cfg.payload, "payload", "", "what the client's messages hold: pattern or json (see `wsbench client -payload`); default json with -deflate, pattern without")
	flag.BoolVar(&cfg.takeover, "takeover", false, "with -deflate: servers keep compression context between messages (gorilla cannot and is left out)")
	flag.IntVar(&cfg.window, "window", 15, "with -deflate: window bits `wsbench serve` compresses with and allows clients (-deflate-window; under 15 with -takeover its compressor keeps only the window per connection); the peers keep their own defaults")
	flag.BoolVar(&cfg.memory, "memory", false, "measure memory per open connection instead of throughput")
	flag.IntVar(&cfg.memConns, "memory-conns", 500, "with -memory: connections kept open")
	flag.IntVar(&cfg.memMsgs, "memory-msgs", 3, "with -memory: messages echoed on each connection before measuring")
	memSize := flag.String("memory-size", "1K", "with -memory: size of those messages, in bytes, with K or M for KiB or MiB")
	flag.StringVar(&cfg.memGOGC, "memory-gogc", "1", "with -memory: GOGC for the servers (1 keeps unswept garbage within about 1% of the live heap, so that heap_bytes is close to the live heap without a forced collection; \"\" leaves GOGC as it is)")
	flag.DurationVar(&cfg.memSettle, "memory-settle", time.Second, "with -memory: wait after the last connection before reading")
	flag.Parse()
	serversSet := false
	flag.Visit(func(f *flag.Flag) { serversSet = serversSet || f.Name == "servers" })
	if (cfg.deflate || cfg.memory) && !serversSet {
		*serversFlag = "wsframe,gorilla,gws,coder"
		if cfg.takeover {
			*serversFlag = "wsframe,gws,coder"
		}
	}
	if cfg.takeover && !cfg.deflate {
		fmt.Fprintln(os.Stderr, "sweep: -takeover needs -deflate")
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		return 1
	}
	switch {
	case cfg.payload == "" && cfg.deflate:
		cfg.payload = "json"
	case cfg.payload == "":
		cfg.payload = "pattern"
	case cfg.payload != "json" && cfg.payload != "pattern":
		return fail(errors.New("-payload must be pattern or json"))
	}
	var err error
	if cfg.cases, err = parseCases(*casesFlag); err != nil {
		return fail(err)
	}
	if cfg.rounds < 1 || cfg.duration <= 0 || cfg.warmup < 0 {
		return fail(errors.New("-rounds must be at least 1, -duration positive and -warmup not negative"))
	}
	if ms, err := parseCases("1x" + *memSize); err != nil || cfg.memConns < 1 || cfg.memMsgs < 1 {
		return fail(errors.New("-memory-conns and -memory-msgs must be at least 1, and -memory-size a size like 1K"))
	} else {
		cfg.memSize = ms[0].Size
	}

	peersDir, err := moduleDir()
	if err != nil {
		return fail(err)
	}
	rootDir := filepath.Clean(filepath.Join(peersDir, "..", ".."))
	if cfg.results == "" {
		cfg.results = filepath.Join(peersDir, "results")
	}
	servers, err := selectServers(*serversFlag, cfg.basePort)
	if err != nil {
		return fail(err)
	}
	if cfg.deflate {
		for _, s := range servers {
			if s.Name == "gobwas" {
				return fail(errors.New("-deflate: the gobwas server has no permessage-deflate; leave it out of -servers"))
			}
			if s.Name == "gorilla" && cfg.takeover {
				return fail(errors.New("-takeover: gorilla/websocket has no context takeover; leave it out of -servers"))
			}
		}
	}

	tmp, err := os.MkdirTemp("", "wsframe-sweep-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)
	procs := &procSet{m: map[int]*proc{}}
	defer procs.stopAll() // on every return, error and Ctrl-C included

	fmt.Fprintf(os.Stderr, "sweep: building into %s\n", tmp)
	wsbench := filepath.Join(tmp, "wsbench")
	// wsbench is built in the main module, from the checkout this folder
	// is in; the peer servers in this module.
	if err := goBuild(ctx, rootDir, wsbench, "./cmd/wsbench"); err != nil {
		return fail(err)
	}
	for _, s := range servers {
		s.bin = wsbench
		if s.Name != "wsframe" {
			s.bin = filepath.Join(tmp, s.Name)
			if err := goBuild(ctx, peersDir, s.bin, "./servers/"+s.Name); err != nil {
				return fail(err)
			}
		}
	}
	meta, err := describe(ctx, cfg, servers, rootDir, peersDir)
	if err != nil {
		return fail(err)
	}
	if cfg.memory {
		return runMemory(ctx, cfg, meta, servers, procs, tmp)
	}
	hz := clockTicks()

	var runs []*Run
	total := cfg.rounds * len(cfg.cases) * len(servers)
	for round := 0; round < cfg.rounds; round++ {
		order := rotate(servers, round)
		for _, s := range order {
			if err := s.start(ctx, procs, cfg, tmp, nil); err != nil {
				return fail(err)
			}
		}
		for _, c := range cfg.cases {
			for _, s := range order {
				if ctx.Err() != nil {
					fmt.Fprintln(os.Stderr, "sweep: interrupted; servers stopped, nothing written")
					return 130
				}
				if s.proc.exited() { // crashed in an earlier run: give it a fresh process
					if err := s.start(ctx, procs, cfg, tmp, nil); err != nil {
						return fail(err)
					}
				}
				r := measure(ctx, cfg, s, c, wsbench, hz)
				r.Round = round + 1
				runs = append(runs, r)
				status := fmt.Sprintf("%.0f msgs/s, %.2f µs server CPU/msg, other load %.2f", r.MsgsPerSec, r.ServerCPUusPerMsg, r.OtherLoad)
				if r.Discarded {
					status = "DISCARDED: " + r.Reason
				}
				fmt.Fprintf(os.Stderr, "sweep: [%d/%d] round %d  %-10s  %-8s  %s\n", len(runs), total, round+1, c, s.Name, status)
			}
		}
		for _, s := range order {
			procs.stop(s.proc)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "sweep: interrupted; servers stopped, nothing written")
		return 130
	}

	summary := summarize(cfg.cases, servers, runs)
	md := markdown(meta, summary, runs)
	fmt.Print(md)
	if err := writeResults(cfg.results, meta, summary, runs, md); err != nil {
		return fail(err)
	}
	return 0
}

// Case is one load: Conns connections, each with one message of Size
// bytes in flight.
type Case struct {
	Conns int `json:"conns"`
	Size  int `json:"size"`
}

func (c Case) String() string { return fmt.Sprintf("%d x %s", c.Conns, sizeName(c.Size)) }

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func parseCases(s string) ([]Case, error) {
	var cases []Case
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		conns, size, ok := strings.Cut(strings.ToLower(f), "x")
		if !ok {
			return nil, fmt.Errorf("case %q: want CONNSxSIZE, like 64x1K", f)
		}
		c, err := strconv.Atoi(conns)
		if err != nil || c < 1 {
			return nil, fmt.Errorf("case %q: bad connection count", f)
		}
		mult := 1
		size = strings.TrimSuffix(strings.TrimSuffix(size, "ib"), "b")
		switch {
		case strings.HasSuffix(size, "k"):
			mult, size = 1<<10, strings.TrimSuffix(size, "k")
		case strings.HasSuffix(size, "m"):
			mult, size = 1<<20, strings.TrimSuffix(size, "m")
		}
		n, err := strconv.Atoi(size)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("case %q: bad size", f)
		}
		cases = append(cases, Case{Conns: c, Size: n * mult})
	}
	return cases, nil
}

// server is one echo server under test.
type server struct {
	Name   string `json:"name"`
	Module string `json:"module"` // Go module of the library
	Label  string `json:"label"`  // library and version, for tables
	Addr   string `json:"addr"`
	// Args are the server's command-line arguments, the address aside.
	Args []string `json:"args"`
	bin  string
	proc *proc
}

// known are the servers the sweep can run, in their default order.
var known = []struct{ name, module string }{
	{"wsframe", "github.com/wsframe/wsframe"},
	{"gorilla", "github.com/gorilla/websocket"},
	{"gobwas", "github.com/gobwas/ws"},
	{"gws", "github.com/lxzan/gws"},
	{"coder", "github.com/coder/websocket"},
}

func selectServers(list string, basePort int) ([]*server, error) {
	var out []*server
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(known, func(k struct{ name, module string }) bool { return k.name == name })
		if i < 0 {
			return nil, fmt.Errorf("unknown server %q", name)
		}
		out = append(out, &server{Name: name, Module: known[i].module, Addr: fmt.Sprintf("127.0.0.1:%d", basePort+i)})
	}
	return out, nil
}

func rotate(s []*server, k int) []*server {
	k %= len(s)
	return append(slices.Clone(s[k:]), s[:k]...)
}

// serverArgs returns the arguments a server is started with, the address
// aside. `wsbench serve` accepts permessage-deflate by default, asking
// for no context takeover both ways; a client that does not offer it (the
// sweep without -deflate) gets none.
func serverArgs(name string, deflate, takeover bool, window int) []string {
	switch {
	case name == "wsframe" && deflate:
		args := []string{"serve"}
		if takeover {
			args = append(args, "-deflate-takeover")
		}
		if window != 15 {
			args = append(args, "-deflate-window", strconv.Itoa(window))
		}
		return args
	case name == "wsframe":
		return []string{"serve"}
	case deflate && takeover:
		return []string{"-deflate", "-deflate-takeover"}
	case deflate:
		return []string{"-deflate"}
	}
	return nil
}

// start starts the server's process, pinned, with env added to the
// environment, and waits until it listens.
func (s *server) start(ctx context.Context, procs *procSet, cfg config, logDir string, env []string) error {
	args := append(slices.Clone(s.Args), "-addr", s.Addr)
	p, err := procs.start(ctx, s.Name, cfg.serverCPU, s.bin, args, env, filepath.Join(logDir, s.Name+".log"))
	if err != nil {
		return fmt.Errorf("starting %s: %w", s.Name, err)
	}
	s.proc = p
	return nil
}

// proc is a process the sweep started.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has been waited for
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// procSet tracks the servers so that all of them end with the sweep.
type procSet struct {
	mu sync.Mutex
	m  map[int]*proc
}

// start runs bin pinned to cpus with GOMAXPROCS=1 and env and waits for
// the line that says it listens ("listening on", or wsbench's "serving
// on").
func (ps *procSet) start(ctx context.Context, name, cpus, bin string, args, env []string, logPath string) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	// taskset execs bin, so the PID is the server's own.
	cmd := exec.Command("taskset", append([]string{"-c", cpus, bin}, args...)...)
	cmd.Env = append(append(os.Environ(), "GOMAXPROCS=1"), env...)
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // Ctrl-C reaches the sweep, which stops the servers itself
		Pdeathsig: syscall.SIGKILL, // and should the sweep be killed outright, they go too
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	ps.mu.Lock()
	ps.m[cmd.Process.Pid] = p
	ps.mu.Unlock()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			if !signalled && (strings.Contains(sc.Text(), "listening on") || strings.Contains(sc.Text(), "serving on")) {
				close(ready)
				signalled = true
			}
		}
		cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before listening (log: %s)", name, logPath)
	case <-time.After(10 * time.Second):
		ps.stop(p)
		return nil, fmt.Errorf("%s did not listen within 10 s (log: %s)", name, logPath)
	case <-ctx.Done():
		ps.stop(p)
		return nil, ctx.Err()
	}
}

// stop ends p: SIGTERM, then SIGKILL if it is still there after 3 s.
func (ps *procSet) stop(p *proc) {
	if p == nil {
		return
	}
	pid := p.cmd.Process.Pid
	if !p.exited() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	}
	ps.mu.Lock()
	delete(ps.m, pid)
	ps.mu.Unlock()
}

func (ps *procSet) stopAll() {
	ps.mu.Lock()
	all := make([]*proc, 0, len(ps.m))
	for _, p := range ps.m {
		all = append(all, p)
	}
	ps.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range all {
		wg.Add(1)
		go func() { defer wg.Done(); ps.stop(p) }()
	}
	wg.Wait()
}

// goBuild builds pkg in dir into out.
func goBuild(ctx context.Context, dir, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s in %s: %v\n%s", pkg, dir, err, b)
	}
	return nil
}

// moduleDir returns the folder of bench/peers/go.mod, where the sweep must
// be run from.
func moduleDir() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(b))
	dir := filepath.Dir(gomod)
	if filepath.Base(dir) != "peers" || filepath.Base(filepath.Dir(dir)) != "bench" {
		return "", fmt.Errorf("run the sweep from bench/peers (go.mod here is %q)", gomod)
	}
	return dir, nil
}

// clockTicks is the unit of utime and stime in /proc/PID/stat.
func clockTicks() float64 {
	b, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
			return float64(n)
		}
	}
	return 100
}

// cpuTicks returns the user and system CPU time of process pid, in clock
// ticks (fields 14 and 15 of /proc/PID/stat).
func cpuTicks(pid int) (user, system uint64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, errors.New("unexpected /proc/PID/stat")
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return 0, 0, errors.New("short /proc/PID/stat")
	}
	user, err1 := strconv.ParseUint(f[11], 10, 64)
	system, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, errors.New("bad /proc/PID/stat")
	}
	return user, system, nil
}

// userTicks returns the user-mode CPU time (user plus nice) of the whole
// machine, in clock ticks, from the first line of /proc/stat. Less the
// server's and the client's own user time it tells how busy other
// processes kept the CPUs during a run. (System time is left out: the
// kernel's loopback work for the run is partly booked as softirq time
// that belongs to no process.)
func userTicks() (uint64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 3 || f[0] != "cpu" {
		return 0, errors.New("unexpected /proc/stat")
	}
	user, err1 := strconv.ParseUint(f[1], 10, 64)
	nice, err2 := strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad /proc/stat")
	}
	return user + nice, nil
}

// serverStats is the part of GET /stats that every server answers.
type serverStats struct {
	Messages int64  `json:"messages"`
	Mallocs  uint64 `json:"mallocs"`
	Heap     uint64 `json:"heap_bytes"`
}

var statsClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

func getStats(ctx context.Context, addr string) (serverStats, error) {
	return getStatsPath(ctx, addr, "/stats")
}

// getStatsPath is getStats with another path and query, such as the peer
// servers' /stats?gc=1.
func getStatsPath(ctx context.Context, addr, path string) (serverStats, error) {
	var st serverStats
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+addr+path, nil)
	if err != nil {
		return st, err
	}
	resp, err := statsClient.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("GET /stats: %s", resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// clientResult is the part of `wsbench client -json` the sweep reads.
type clientResult struct {
	Messages       uint64  `json:"messages"`
	MsgsPerSec     float64 `json:"msgs_per_sec"`
	P50us          float64 `json:"p50_us"`
	P99us          float64 `json:"p99_us"`
	CPUusPerMsg    float64 `json:"client_cpu_us_per_msg"`
	DialErrors     int     `json:"dial_errors"`
	Mismatches     int     `json:"mismatches"`
	ProtocolErrors int     `json:"protocol_errors"`
	Dropped        int     `json:"dropped"`
	Lost           int     `json:"lost"`
	FirstError     string  `json:"first_error"`
	Deflate        string  `json:"deflate"`         // the server's permessage-deflate answer
	EchoWireRatio  float64 `json:"echo_wire_ratio"` // echoed payload bytes on the wire over plain ones
}

func (r *clientResult) errors() string {
	if r.DialErrors+r.Mismatches+r.ProtocolErrors+r.Dropped+r.Lost == 0 {
		return ""
	}
	s := fmt.Sprintf("%d dial, %d mismatched, %d protocol, %d dropped, %d lost", r.DialErrors, r.Mismatches, r.ProtocolErrors, r.Dropped, r.Lost)
	if r.FirstError != "" {
		s += ": " + r.FirstError
	}
	return s
}

// runClient runs `wsbench client` once, pinned, and returns its parsed and
// raw JSON output.
func runClient(ctx context.Context, cfg config, wsbench, addr string, c Case, d time.Duration) (*clientResult, json.RawMessage, error) {
	res, raw, _, err := runClientUser(ctx, cfg, wsbench, addr, c, d)
	return res, raw, err
}

// runClientUser is runClient that also returns the user CPU time the
// client process used.
func runClientUser(ctx context.Context, cfg config, wsbench, addr string, c Case, d time.Duration) (*clientResult, json.RawMessage, time.Duration, error) {
	args := []string{"-c", cfg.clientCPU, wsbench, "client",
		"-url", "ws://" + addr + "/",
		"-conns", strconv.Itoa(c.Conns),
		"-size", strconv.Itoa(c.Size),
		"-duration", d.String(),
		"-json"}
	if cfg.deflate {
		args = append(args, "-deflate") // text messages, compressed
	} else {
		args = append(args, "-binary")
	}
	args = append(args, "-payload", cfg.payload)
	cmd := exec.CommandContext(ctx, "taskset", args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, runErr := cmd.Output() // exit status 1 means errors, reported in the JSON too
	var user time.Duration
	if cmd.ProcessState != nil {
		user = cmd.ProcessState.UserTime()
	}
	var res clientResult
	if err := json.Unmarshal(out, &res); err != nil {
		if runErr != nil {
			return nil, nil, user, fmt.Errorf("client: %v: %s", runErr, strings.TrimSpace(stderr.String()))
		}
		return nil, nil, user, fmt.Errorf("client output: %v", err)
	}
	return &res, json.RawMessage(out), user, nil
}

// Run is one measured run of one case against one server.
type Run struct {
	Round  int    `json:"round"`
	Case   Case   `json:"case"`
	Server string `json:"server"`

	Discarded bool   `json:"discarded"`
	Reason    string `json:"reason,omitempty"`

	MsgsPerSec        float64 `json:"msgs_per_sec"`
	P99us             float64 `json:"p99_us"`
	ClientCPUusPerMsg float64 `json:"client_cpu_us_per_msg"`

	ServerMessages    int64   `json:"server_messages"`     // echoed between the two /stats reads
	ServerCPUTicks    uint64  `json:"server_cpu_ticks"`    // utime+stime between them
	ServerSeconds     float64 `json:"server_wall_seconds"` // wall time between the CPU reads
	ServerCPUusPerMsg float64 `json:"server_cpu_us_per_msg"`
	ServerAllocs      uint64  `json:"server_mallocs"`
	ServerAllocsPerM  float64 `json:"server_allocs_per_msg"`
	ServerBusy        float64 `json:"server_cpu_busy"` // CPU seconds per wall second

	// OtherLoad is the user-mode CPU time of every other process on the
	// machine during the run, in CPUs (1: one CPU kept busy throughout).
	OtherLoad float64 `json:"other_load"`
	// Tries is how many times the run was made; a run is made again while
	// OtherLoad exceeds -max-other, up to -retries times.
	Tries int `json:"tries"`

	// With -deflate: the server's Sec-WebSocket-Extensions, and the
	// payload bytes of its echoes on the wire over their plain bytes.
	Extension     string  `json:"extension,omitempty"`
	EchoWireRatio float64 `json:"echo_wire_ratio,omitempty"`

	Client json.RawMessage `json:"client,omitempty"` // wsbench client -json, as printed
}

// measure makes one run, and makes it again, up to cfg.retries times,
// while other processes kept the machine busier than cfg.maxOther. Before
// each try it waits, up to cfg.quietWait, for other processes to go quiet.
func measure(ctx context.Context, cfg config, s *server, c Case, wsbench string, hz float64) *Run {
	var r *Run
	for try := 1; ; try++ {
		waitQuiet(ctx, cfg, hz)
		r = measureOnce(ctx, cfg, s, c, wsbench, hz)
		r.Tries = try
		if r.Discarded || r.OtherLoad <= cfg.maxOther || try > cfg.retries || ctx.Err() != nil {
			return r
		}
		fmt.Fprintf(os.Stderr, "sweep: other processes used %.2f CPUs during %s against %s; making the run again\n", r.OtherLoad, c, s.Name)
	}
}

// waitQuiet waits, up to cfg.quietWait, for a second in which processes
// other than the sweep's used at most cfg.maxOther CPUs. The servers are
// idle meanwhile, so the machine's user CPU time is the others'.
func waitQuiet(ctx context.Context, cfg config, hz float64) {
	start := time.Now()
	said := false
	for {
		t0, err := userTicks()
		if err != nil {
			return
		}
		w0 := time.Now()
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return
		}
		t1, err := userTicks()
		if err != nil {
			return
		}
		load := float64(t1-t0) / hz / time.Since(w0).Seconds()
		if load <= cfg.maxOther {
			return
		}
		if time.Since(start) >= cfg.quietWait {
			fmt.Fprintf(os.Stderr, "sweep: other processes still use %.2f CPUs after %s; running anyway\n", load, cfg.quietWait)
			return
		}
		if !said {
			fmt.Fprintf(os.Stderr, "sweep: other processes use %.2f CPUs; waiting up to %s for them to go quiet\n", load, cfg.quietWait)
			said = true
		}
	}
}

// measureOnce warms the server up, then runs the client once and reads
// the server's CPU time and /stats, and the machine's CPU time, around
// the run.
func measureOnce(ctx context.Context, cfg config, s *server, c Case, wsbench string, hz float64) *Run {
	r := &Run{Case: c, Server: s.Name}
	discard := func(format string, args ...any) *Run {
		r.Discarded, r.Reason = true, fmt.Sprintf(format, args...)
		return r
	}
	if cfg.warmup > 0 {
		if _, _, err := runClient(ctx, cfg, wsbench, s.Addr, c, cfg.warmup); err != nil {
			return discard("warm-up: %v", err)
		}
	}
	pid := s.proc.cmd.Process.Pid
	st0, err := getStats(ctx, s.Addr)
	if err != nil {
		return discard("server /stats before: %v", err)
	}
	u0, k0, err := cpuTicks(pid)
	if err != nil {
		return discard("server CPU before: %v", err)
	}
	all0, err := userTicks()
	if err != nil {
		return discard("%v", err)
	}
	w0 := time.Now()
	res, raw, clientUser, err := runClientUser(ctx, cfg, wsbench, s.Addr, c, cfg.duration)
	if err != nil {
		return discard("%v", err)
	}
	r.Client = raw
	time.Sleep(50 * time.Millisecond) // let the server finish the closing handshakes
	u1, k1, err := cpuTicks(pid)
	if err != nil {
		return discard("server CPU after: %v", err)
	}
	all1, err := userTicks()
	if err != nil {
		return discard("%v", err)
	}
	w1 := time.Now()
	st1, err := getStats(ctx, s.Addr)
	if err != nil {
		return discard("server /stats after: %v", err)
	}
	r.MsgsPerSec, r.P99us, r.ClientCPUusPerMsg = res.MsgsPerSec, res.P99us, res.CPUusPerMsg
	r.Extension, r.EchoWireRatio = res.Deflate, res.EchoWireRatio
	r.ServerMessages = st1.Messages - st0.Messages
	r.ServerCPUTicks = (u1 + k1) - (u0 + k0)
	r.ServerSeconds = w1.Sub(w0).Seconds()
	r.ServerAllocs = st1.Mallocs - st0.Mallocs
	cpuSeconds := float64(r.ServerCPUTicks) / hz
	r.ServerBusy = cpuSeconds / r.ServerSeconds
	other := float64(all1-all0)/hz - float64(u1-u0)/hz - clientUser.Seconds()
	r.OtherLoad = max(other, 0) / r.ServerSeconds
	if r.ServerMessages > 0 {
		r.ServerCPUusPerMsg = cpuSeconds * 1e6 / float64(r.ServerMessages)
		r.ServerAllocsPerM = float64(r.ServerAllocs) / float64(r.ServerMessages)
	}
	if e := res.errors(); e != "" {
		return discard("client reported errors: %s", e)
	}
	if cfg.deflate && res.Deflate == "" {
		return discard("the server declined permessage-deflate")
	}
	if r.ServerMessages <= 0 {
		return discard("the server counted no messages")
	}
	return r
}

// Summary is the medians over rounds of one case against one server.
type Summary struct {
	Case   Case   `json:"case"`
	Server string `json:"server"`
	Label  string `json:"label"`
	Runs   int    `json:"runs"` // runs kept
	Of     int    `json:"of"`   // runs made

	MsgsPerSec        Stat `json:"msgs_per_sec"`
	P99us             Stat `json:"p99_us"`
	ServerCPUusPerMsg Stat `json:"server_cpu_us_per_msg"`
	ServerAllocsPerM  Stat `json:"server_allocs_per_msg"`
	ClientCPUusPerMsg Stat `json:"client_cpu_us_per_msg"`
	ServerBusy        Stat `json:"server_cpu_busy"`
	OtherLoad         Stat `json:"other_load"`

	// Against wsframe in the same round and case: this server's msgs/s
	// and server CPU per message over wsframe's (1 for wsframe itself).
	MsgsVsWsframe Stat `json:"msgs_per_sec_vs_wsframe"`
	CPUVsWsframe  Stat `json:"server_cpu_vs_wsframe"`

	// With -deflate: what the server answered, and its echoes' payload
	// bytes on the wire over plain ones.
	Extension     string `json:"extension,omitempty"`
	EchoWireRatio Stat   `json:"echo_wire_ratio"`
}

// Stat is the median, minimum and maximum of a value over rounds.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

func stat(v []float64) Stat {
	if len(v) == 0 {
		return Stat{}
	}
	s := slices.Sorted(slices.Values(v))
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stat{Median: m, Min: s[0], Max: s[len(s)-1]}
}

func summarize(cases []Case, servers []*server, runs []*Run) []*Summary {
	type key struct {
		round int
		c     Case
	}
	wsframe := map[key]*Run{}
	for _, r := range runs {
		if r.Server == "wsframe" && !r.Discarded {
			wsframe[key{r.Round, r.Case}] = r
		}
	}
	var out []*Summary
	for _, c := range cases {
		for _, s := range servers {
			sum := &Summary{Case: c, Server: s.Name, Label: s.Label}
			var msgs, p99, scpu, salloc, ccpu, busy, other, msgsVs, cpuVs, wire []float64
			for _, r := range runs {
				if r.Case != c || r.Server != s.Name {
					continue
				}
				sum.Of++
				if r.Discarded {
					continue
				}
				sum.Runs++
				msgs = append(msgs, r.MsgsPerSec)
				p99 = append(p99, r.P99us)
				scpu = append(scpu, r.ServerCPUusPerMsg)
				salloc = append(salloc, r.ServerAllocsPerM)
				ccpu = append(ccpu, r.ClientCPUusPerMsg)
				busy = append(busy, r.ServerBusy)
				other = append(other, r.OtherLoad)
				wire = append(wire, r.EchoWireRatio)
				sum.Extension = r.Extension
				if w := wsframe[key{r.Round, r.Case}]; w != nil && w.MsgsPerSec > 0 && w.ServerCPUusPerMsg > 0 {
					msgsVs = append(msgsVs, r.MsgsPerSec/w.MsgsPerSec)
					cpuVs = append(cpuVs, r.ServerCPUusPerMsg/w.ServerCPUusPerMsg)
				}
			}
			sum.MsgsPerSec, sum.P99us = stat(msgs), stat(p99)
			sum.ServerCPUusPerMsg, sum.ServerAllocsPerM = stat(scpu), stat(salloc)
			sum.ClientCPUusPerMsg, sum.ServerBusy = stat(ccpu), stat(busy)
			sum.OtherLoad = stat(other)
			sum.MsgsVsWsframe, sum.CPUVsWsframe = stat(msgsVs), stat(cpuVs)
			sum.EchoWireRatio = stat(wire)
			out = append(out, sum)
		}
	}
	return out
}

// Meta says what was measured, where and how.
type Meta struct {
	Date      time.Time     `json:"date"`
	Machine   string        `json:"machine"`
	Go        string        `json:"go"`
	Cases     []Case        `json:"cases"`
	Servers   []*server     `json:"servers"`
	Duration  time.Duration `json:"duration_ns"`
	Warmup    time.Duration `json:"warmup_ns"`
	Rounds    int           `json:"rounds"`
	ServerCPU string        `json:"server_cpu"`
	ClientCPU string        `json:"client_cpu"`
	Pinning   string        `json:"pinning"`
	MaxOther  float64       `json:"max_other"`
	Retries   int           `json:"retries"`
	QuietWait time.Duration `json:"quiet_wait_ns"`

	// Deflate is set when the servers accepted permessage-deflate and the
	// client sent compressed text; Payload is what the client's messages
	// held (its -payload).
	Deflate  bool   `json:"deflate"`
	Takeover bool   `json:"takeover"`
	Payload  string `json:"payload"`

	// Memory mode (-memory): connections, messages on each and their size,
	// and the servers' GOGC.
	Memory   bool   `json:"memory"`
	MemConns int    `json:"memory_conns,omitempty"`
	MemMsgs  int    `json:"memory_msgs,omitempty"`
	MemSize  int    `json:"memory_size,omitempty"`
	MemGOGC  string `json:"memory_gogc,omitempty"`
}

// describe fills in each server's label and says what machine this is.
func describe(ctx context.Context, cfg config, servers []*server, rootDir, peersDir string) (*Meta, error) {
	for _, s := range servers {
		s.Args = serverArgs(s.Name, cfg.deflate, cfg.takeover, cfg.window)
		if s.Name == "wsframe" {
			s.Label = "wsframe " + treeVersion(ctx, rootDir)
			continue
		}
		cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}", s.Module)
		cmd.Dir = peersDir
		b, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list -m %s: %w", s.Module, err)
		}
		s.Label = strings.TrimPrefix(s.Module, "github.com/") + " " + strings.TrimSpace(string(b))
	}
	goVersion := runtime.Version()
	if b, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output(); err == nil {
		goVersion = strings.TrimSpace(string(b))
	}
	m := &Meta{
		Date:      time.Now(),
		Machine:   machine(),
		Go:        goVersion,
		Cases:     cfg.cases,
		Servers:   servers,
		Duration:  cfg.duration,
		Warmup:    cfg.warmup,
		Rounds:    cfg.rounds,
		ServerCPU: cfg.serverCPU,
		ClientCPU: cfg.clientCPU,
		Pinning: fmt.Sprintf("every server runs with GOMAXPROCS=1 under `taskset -c %s`, the client (`wsbench client`) with GOMAXPROCS=1 under `taskset -c %s`",
			cfg.serverCPU, cfg.clientCPU),
		MaxOther:  cfg.maxOther,
		Retries:   cfg.retries,
		QuietWait: cfg.quietWait,
		Deflate:   cfg.deflate,
		Payload:   cfg.payload,
		Takeover:  cfg.takeover,
	}
	if cfg.memory {
		m.Memory, m.MemConns, m.MemMsgs, m.MemSize, m.MemGOGC = true, cfg.memConns, cfg.memMsgs, cfg.memSize, cfg.memGOGC
		m.Cases, m.Duration, m.Warmup = nil, 0, 0
	}
	return m, nil
}

// treeVersion names the commit of the main module's work tree, marked
// "+changes" when the tree differs from it.
func treeVersion(ctx context.Context, dir string) string {
	b, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "(this tree)"
	}
	v := "(this tree, " + strings.TrimSpace(string(b))
	if st, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		v += "+changes"
	}
	return v + ")"
}

func machine() string {
	model := runtime.GOARCH
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s, %d CPUs%s", model, runtime.NumCPU(), kernel)
}

func writeResults(dir string, meta *Meta, summary []*Summary, runs []*Run, md string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stamp := meta.Date.Format("2006-01-02-1504")
	name, latest := "sweep-", "latest"
	if meta.Deflate {
		name, latest = "sweep-deflate-", "latest-deflate"
		if meta.Takeover {
			name, latest = "sweep-deflate-takeover-", "latest-deflate-takeover"
		}
	}
	base := filepath.Join(dir, name+stamp)
	raw, err := json.MarshalIndent(struct {
		Meta    *Meta      `json:"meta"`
		Summary []*Summary `json:"summary"`
		Runs    []*Run     `json:"runs"`
	}{meta, summary, runs}, "", "  ")
	if err != nil {
		return err
	}
	svg := chart(meta, summary)
	files := []struct {
		path string
		data []byte
	}{
		{base + ".md", []byte(md)},
		{base + ".json", append(raw, '\n')},
		{base + ".svg", svg},
		{filepath.Join(dir, latest+".md"), []byte(md)},
		{filepath.Join(dir, latest+".svg"), svg},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "sweep: wrote %s.{md,json,svg} and %s/%s.{md,svg}\n", base, dir, latest)
	return nil
}
