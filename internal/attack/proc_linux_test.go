package attack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/internal/echo/engine"
	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/wsnet"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.RemoveWsbench()
	os.Exit(code)
}

// server is a `wsbench serve` under attack.
type server struct {
	*testenv.Proc
	addr string
}

// serve starts `wsbench serve` with engine and args; wrap is a shell
// prefix for testenv.Serve, such as "ulimit -n 128;".
func serve(t *testing.T, eng, wrap string, args ...string) server {
	t.Helper()
	p, addr := testenv.Serve(t, nil, wrap, append([]string{"-engine", eng}, args...)...)
	return server{p, addr}
}

// engines runs f once per engine this system has, as subtests.
func engines(t *testing.T, f func(t *testing.T, eng string)) {
	for _, eng := range engine.Available() {
		t.Run(eng, func(t *testing.T) { f(t, eng) })
	}
}

// pid returns the server's process id.
func (s server) pid() int { return s.Cmd.Process.Pid }

// cpu returns the CPU time the server has used so far.
func (s server) cpu(t *testing.T) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid()))
	if err != nil {
		t.Fatal(err)
	}
	// The fields after the command name, which is in parentheses:
	// utime and stime are the 12th and 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// cpuShare returns the share of one core the server used over d.
func (s server) cpuShare(t *testing.T, d time.Duration) float64 {
	t.Helper()
	before := s.cpu(t)
	time.Sleep(d)
	return float64(s.cpu(t)-before) / float64(d)
}

// memory returns the server's resident set size now and at its peak.
func (s server) memory(t *testing.T) (rss, peak int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak
}

// stats reads the server's /stats.
func (s server) stats(t *testing.T) echo.Stats {
	t.Helper()
	var st echo.Stats
	testenv.GetJSON(t, &http.Client{Timeout: 5 * time.Second}, "http://"+s.addr+"/stats", &st)
	return st
}

// echoes checks that a fresh client gets an echo within d.
func (s server) echoes(t *testing.T, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	c, err := wsnet.Dial(ctx, "ws://"+s.addr+"/", nil)
	if err != nil {
		t.Fatalf("a fresh client cannot connect: %v", err)
	}
	defer c.CloseNow()
	msg := []byte("Can you hear me?")
	if err := c.WriteMessage(ctx, codec.OpText, msg); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(ctx, nil); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("a fresh client got %q, %v", got, err)
	}
	t.Logf("a fresh client was echoed in %v", time.Since(start).Round(time.Millisecond))
}

// dial opens a TCP connection to the server.
func (s server) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// upgrade opens a WebSocket connection without any client logic: it
// answers nothing unless the test makes it. offer is the
// Sec-WebSocket-Extensions offer, if any.
func (s server) upgrade(t *testing.T, offer string) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := handshake.Dial(ctx, "ws://"+s.addr+"/", &handshake.DialOptions{Extensions: offer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin waits until the server closes c, reading and dropping what
// it sends, and returns how long that took; it fails t after limit.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	took := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", limit)
	}
	return took
}
