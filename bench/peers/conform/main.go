// Command conform runs the conformance suite of package wstest against the
// echo servers in ../servers and `wsbench serve`, and against the echo
// clients of package clients, and writes what failed:
// results/conform-servers.json, results/conform-clients.json and
// results/conform.md, the tables the README quotes.
//
// Usage (from bench/peers):
//
//	go run ./conform [-only wsframe,gorilla] [-timeout 10s]
//
// Servers run as processes of their own, started with -deflate where they
// have it (`wsbench serve` accepts compression by default): a server that
// crashes on a case is restarted for the next one, and the case is marked
// failed with what it printed. Clients run in this process, offering
// compression where their library can.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wsframe/wsframe/bench/peers/clients"
	"github.com/wsframe/wsframe/wstest"
)

// servers are those compared, with the arguments they start with.
var servers = []struct {
	name, module string
	args         []string
}{
	{"wsframe", "github.com/wsframe/wsframe", []string{"serve"}},
	{"gorilla", "github.com/gorilla/websocket", []string{"-deflate"}},
	{"gobwas", "github.com/gobwas/ws", nil},
	{"gws", "github.com/lxzan/gws", []string{"-deflate"}},
	{"coder", "github.com/coder/websocket", []string{"-deflate"}},
}

// Report is what one library did as a server or as a client.
type Report struct {
	Library string `json:"library"` // name and version
	Role    string `json:"role"`    // "server" or "client"
	Results []Row  `json:"results"`
}

// Row is one case's result; the case's description is in wstest.
type Row struct {
	ID       string         `json:"id"`
	Verdict  wstest.Verdict `json:"verdict"`
	Observed string         `json:"observed"`
	Millis   int64          `json:"ms"`
	c        *wstest.Case
}

func rows(res []wstest.Result) []Row {
	out := make([]Row, len(res))
	for i, r := range res {
		out[i] = Row{ID: r.Case.ID, Verdict: r.Verdict, Observed: r.Observed, Millis: r.Elapsed.Milliseconds(), c: r.Case}
	}
	return out
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	only := flag.String("only", "", "comma-separated libraries to run (default: all)")
	timeout := flag.Duration("timeout", wstest.DefaultTimeout, "the longest one case may take")
	out := flag.String("out", "results", "folder for the results")
	flag.Parse()
	if err := run(ctx, *only, *timeout, *out); err != nil {
		fmt.Fprintln(os.Stderr, "conform:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, only string, timeout time.Duration, outDir string) error {
	selected := func(name string) bool { return only == "" || slices.Contains(strings.Split(only, ","), name) }
	tmp, err := os.MkdirTemp("", "wsframe-conform-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	o := &wstest.Options{Timeout: timeout, Deflate: true}
	var serverReports, clientReports []Report
	// The files are written again after each library, so that a run cut
	// short keeps what it measured.
	save := func() error {
		if err := writeJSON(filepath.Join(outDir, "conform-servers.json"), serverReports); err != nil {
			return err
		}
		if err := writeJSON(filepath.Join(outDir, "conform-clients.json"), clientReports); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(outDir, "conform.md"), []byte(summary(serverReports, clientReports)), 0o644)
	}
	for _, s := range servers {
		if !selected(s.name) {
			continue
		}
		bin := filepath.Join(tmp, s.name)
		pkg, dir := "./servers/"+s.name, "."
		if s.name == "wsframe" {
			pkg, dir = "./cmd/wsbench", "../.."
		}
		if err := goBuild(ctx, dir, bin, pkg); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "conform: server %s\n", s.name)
		res, err := runServer(ctx, bin, s.args, o)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		serverReports = append(serverReports, Report{Library: label(ctx, s.name, s.module), Role: "server", Results: rows(res)})
		if err := save(); err != nil {
			return err
		}
	}
	for _, c := range clients.All {
		if !selected(c.Name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "conform: client %s\n", c.Name)
		res, err := wstest.RunClient(ctx, c.Echo(true), o)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		clientReports = append(clientReports, Report{Library: label(ctx, c.Name, c.Module), Role: "client", Results: rows(res)})
		if err := save(); err != nil {
			return err
		}
	}
	fmt.Print(summary(serverReports, clientReports))
	return nil
}

// runServer runs every case against the server bin, one at a time,
// restarting the server whenever it has exited.
func runServer(ctx context.Context, bin string, args []string, o *wstest.Options) ([]wstest.Result, error) {
	var p *proc
	defer func() { p.stop() }()
	var out []wstest.Result
	for _, c := range wstest.Cases() {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if p == nil || p.exited() {
			var err error
			if p, err = startServer(bin, args); err != nil {
				return out, err
			}
		}
		co := *o
		co.Cases = []string{c.ID}
		res, err := wstest.Run(ctx, "ws://"+p.addr+"/", &co)
		if err != nil {
			return out, err
		}
		r := res[0]
		time.Sleep(20 * time.Millisecond) // a crash shows within this
		if p.exited() {
			r.Verdict = wstest.Fail
			r.Observed += "; the server process exited: " + p.lastWords()
		}
		out = append(out, r)
	}
	return out, nil
}

// proc is a server process.
type proc struct {
	cmd    *exec.Cmd
	addr   string
	done   chan struct{}
	stderr *tail
}

var listenLine = regexp.MustCompile(`(?:listening on |serving on http://)([0-9.:]+)`)

func startServer(bin string, args []string) (*proc, error) {
	p := &proc{cmd: exec.Command(bin, append(slices.Clone(args), "-addr", "127.0.0.1:0")...), done: make(chan struct{}), stderr: &tail{}}
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil && len(addr) == 0 {
				addr <- m[1]
			}
		}
		p.cmd.Wait()
		close(p.done)
	}()
	select {
	case p.addr = <-addr:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before listening: %s", bin, p.lastWords())
	case <-time.After(10 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s did not listen within 10 s", bin)
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) stop() {
	if p == nil || p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// lastWords is the first line of what a crashed server printed, such as
// a panic's message.
func (p *proc) lastWords() string {
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return "(it printed nothing)"
}

// tail keeps the first 4 KiB written to it.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := 4096 - len(t.b); n > 0 {
		t.b = append(t.b, b[:min(n, len(b))]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

func goBuild(ctx context.Context, dir, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// label names a library with the version this module pins.
func label(ctx context.Context, name, module string) string {
	if name == "wsframe" {
		return "wsframe (this tree)"
	}
	b, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}", module).Output()
	if err != nil {
		return name
	}
	return strings.TrimPrefix(module, "github.com/") + " " + strings.TrimSpace(string(b))
}

func writeJSON(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	return errors.Join(enc.Encode(v), f.Close())
}
