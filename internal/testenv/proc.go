package testenv

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"testing"
	"time"
)

// Proc is a program a test started: an interop peer, or a server under
// test. Its standard output is read line by line as it comes, so the
// program never blocks on a full pipe whatever the test reads.
type Proc struct {
	Cmd  *exec.Cmd
	name string

	mu     sync.Mutex
	lines  []string      // standard output not yet taken by Line or Match
	eof    bool          // standard output ended
	more   chan struct{} // closed and replaced when lines or eof change
	stderr bytes.Buffer

	exited chan struct{} // closed when the program has exited; err is then set
	err    error
}

// StopGrace is how long a program has to exit after the interrupt Start
// sends it when its test ends, before it is killed.
const StopGrace = 5 * time.Second

// Start runs name with args, env added to the environment, until t ends:
// then it interrupts the program, as a user's Ctrl-C would, and kills it
// if it has not exited within StopGrace. If t failed, it logs what the
// program wrote to standard error.
func Start(t testing.TB, env []string, name string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Cmd: exec.Command(name, args...), name: name, more: make(chan struct{}), exited: make(chan struct{})}
	p.Cmd.Env = append(os.Environ(), env...)
	p.Cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	stdout, err := p.Cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			p.update(func() { p.lines = append(p.lines, sc.Text()) })
		}
		p.update(func() { p.eof = true })
		p.err = p.Cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.Cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(StopGrace):
			p.Cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s standard error:\n%s", name, p.Stderr())
		}
	})
	return p
}

func (p *Proc) update(f func()) {
	p.mu.Lock()
	f()
	close(p.more)
	p.more = make(chan struct{})
	p.mu.Unlock()
}

// Line returns the next line the program writes to standard output,
// without its newline. It fails t if none comes within d.
func (p *Proc) Line(t testing.TB, d time.Duration) string {
	t.Helper()
	return p.Match(t, nil, d)[0]
}

// Match skips lines of standard output until one matches re and returns
// its submatches (the whole line first, when re is nil). It fails t if
// none comes within d.
func (p *Proc) Match(t testing.TB, re *regexp.Regexp, d time.Duration) []string {
	t.Helper()
	timeout := time.After(d)
	for {
		p.mu.Lock()
		for len(p.lines) > 0 {
			line := p.lines[0]
			p.lines = p.lines[1:]
			if re == nil {
				p.mu.Unlock()
				return []string{line}
			}
			if m := re.FindStringSubmatch(line); m != nil {
				p.mu.Unlock()
				return m
			}
		}
		eof, more := p.eof, p.more
		p.mu.Unlock()
		if eof {
			t.Fatalf("%s ended its output without the line the test waits for (%v)", p.name, re)
		}
		select {
		case <-more:
		case <-timeout:
			t.Fatalf("%s printed no line the test waits for (%v) in %v", p.name, re, d)
		}
	}
}

// Exited returns a channel that is closed when the program has exited;
// Err then says how.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Err returns what waiting for the program returned, once Exited is
// closed.
func (p *Proc) Err() error { return p.err }

// Stderr returns what the program has written to standard error so far.
func (p *Proc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// lockedWriter writes to a buffer that Stderr reads concurrently.
type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(b)
}

// NeedCommand skips t unless name is on the PATH, saying how to install
// it, and returns its path.
func NeedCommand(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (%s); .ci/run installs it", name, install)
	}
	return path
}

// GetJSON fetches url with client (http.DefaultClient when nil) and
// decodes the JSON body into v, failing t on any error: the /stats of
// `wsbench serve`, for one.
func GetJSON(t testing.TB, client *http.Client, url string, v any) {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}
