package epoll

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/wsnet"
)

// slack is how late a timeout may close a connection: the wheel's tick
// (an eighth of the shortest timeout) and the scheduling of a loaded
// machine, more under the race detector.
func slack() time.Duration {
	if testenv.RaceEnabled {
		return 400 * time.Millisecond
	}
	return 200 * time.Millisecond
}

// logBuffer collects a server's log lines for a test.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *logBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// count returns how many lines hold s.
func (w *logBuffer) count(s string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Count(w.b.String(), s)
}

// serve runs a server with lim on a loopback port until the test ends,
// logging to the returned buffer.
func serve(t *testing.T, lim echo.Limits) (*echo.Server, string, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	s := echo.NewServer(32<<20, 16<<10, 16<<10, log.New(logs, "", 0))
	s.Limits = lim
	addr, stop, err := Listen(s, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(time.Second) })
	return s, addr.String(), logs
}

// waitStats polls the server's Stats until ok holds, and returns how long
// that took; it fails t after d.
func waitStats(t *testing.T, s *echo.Server, d time.Duration, what string, ok func(echo.Stats) bool) time.Duration {
	t.Helper()
	began := time.Now()
	for !ok(s.Stats()) {
		if time.Since(began) > d {
			t.Fatalf("%s: not within %v; stats %+v", what, d, s.Stats())
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(began)
}

// waitEOF reads from nc, discarding what comes, until the server closes
// it, and returns how long that took since began; it fails t after d.
func waitEOF(t *testing.T, nc net.Conn, began time.Time, d time.Duration) time.Duration {
	t.Helper()
	nc.SetReadDeadline(began.Add(d))
	_, err := io.Copy(io.Discard, nc)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server did not close the connection within %v", d)
	}
	return time.Since(began)
}

// cpuTime returns the process's user and system CPU time.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuOver returns the CPU time the process used over d.
func cpuOver(t *testing.T, d time.Duration) time.Duration {
	before := cpuTime(t)
	time.Sleep(d)
	return cpuTime(t) - before
}

// checkWithin fails t unless d is at least want and at most want plus
// slack.
func checkWithin(t *testing.T, what string, d, want time.Duration) {
	t.Helper()
	t.Logf("%s after %v (timeout %v)", what, d.Round(time.Millisecond), want)
	if d < want-10*time.Millisecond || d > want+slack() {
		t.Errorf("%s after %v; want %v to %v", what, d, want, want+slack())
	}
}

// TestHandshakeTimeout: a connection that sends nothing, and one that
// sends its request head a byte every 50 ms (slowloris), are both closed
// at HandshakeTimeout.
func TestHandshakeTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	for _, slow := range []bool{false, true} {
		name := map[bool]string{false: "silent", true: "slowloris"}[slow]
		t.Run(name, func(t *testing.T) {
			s, addr, _ := serve(t, echo.Limits{HandshakeTimeout: timeout})
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			began := time.Now()
			if slow {
				go dribble(nc, []byte("GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
			}
			checkWithin(t, "closed", waitEOF(t, nc, began, 2*time.Second), timeout)
			waitStats(t, s, time.Second, "handshake timeout counted", func(st echo.Stats) bool { return st.Timeouts.Handshake == 1 && st.Conns == 0 })
		})
	}
}

// dribble writes p a byte every 50 ms, until a write fails.
func dribble(nc net.Conn, p []byte) {
	for i := range p {
		if _, err := nc.Write(p[i : i+1]); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIdleTimeout: an upgraded connection that goes silent gets a ping
// at IdleTimeout and is closed PingTimeout later if it does not answer;
// one whose client answers pings stays open past several idle periods.
func TestIdleTimeout(t *testing.T) {
	const idle, ping = 200 * time.Millisecond, 100 * time.Millisecond
	t.Run("silent", func(t *testing.T) {
		s, addr, _ := serve(t, echo.Limits{IdleTimeout: idle, PingTimeout: ping})
		c := dialBench(t, "ws://"+addr+"/")
		began := time.Now()
		// The first thing that comes is the ping, at the idle timeout.
		c.nc.SetReadDeadline(began.Add(2 * time.Second))
		var hdr [2]byte
		if _, err := io.ReadFull(c.nc, hdr[:]); err != nil || codec.Opcode(hdr[0]&0xf) != codec.OpPing {
			t.Fatalf("read % x, %v; want a ping", hdr, err)
		}
		checkWithin(t, "pinged", time.Since(began), idle)
		checkWithin(t, "closed", waitEOF(t, c.nc, began, 2*time.Second), idle+ping)
		waitStats(t, s, time.Second, "idle timeout counted", func(st echo.Stats) bool { return st.Timeouts.Idle == 1 && st.Conns == 0 })
	})
	t.Run("answers", func(t *testing.T) {
		s, addr, _ := serve(t, echo.Limits{IdleTimeout: idle, PingTimeout: ping})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		c, err := wsnet.Dial(ctx, "ws://"+addr+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		echoed := make(chan string, 1)
		go func() { // reading answers the server's pings
			_, msg, err := c.ReadMessage(ctx, nil)
			if err != nil {
				echoed <- err.Error()
			}
			echoed <- string(msg)
		}()
		time.Sleep(5 * (idle + ping))
		if st := s.Stats(); st.Conns != 1 || st.Timeouts.Idle != 0 {
			t.Fatalf("after %v: %d connections, %d idle timeouts; want 1 and 0", 5*(idle+ping), st.Conns, st.Timeouts.Idle)
		}
		if err := c.WriteMessage(ctx, codec.OpText, []byte("still here")); err != nil {
			t.Fatal(err)
		}
		if got := <-echoed; got != "still here" {
			t.Errorf("echoed %q", got)
		}
	})
}

// sendLarge writes one binary message of size bytes on c, and returns
// when the server has read it all.
func sendLarge(t *testing.T, c benchConn, size int) {
	t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := c.w.WriteMessage(codec.OpBinary, make([]byte, size)); err != nil {
		t.Fatal(err)
	}
}

// TestWriteTimeout: a client that sends a large message and never reads
// the echo is closed at WriteTimeout, and the server idles meanwhile.
func TestWriteTimeout(t *testing.T) {
	const timeout = 600 * time.Millisecond
	s, addr, _ := serve(t, echo.Limits{WriteTimeout: timeout})
	c := dialBench(t, "ws://"+addr+"/")
	sendLarge(t, c, 8<<20)
	began := time.Now()
	time.Sleep(50 * time.Millisecond) // the echo fills the socket
	cpu := cpuOver(t, 400*time.Millisecond)
	t.Logf("CPU %v over 400ms while the output is stuck", cpu)
	if cpu > 80*time.Millisecond {
		t.Errorf("CPU %v over 400ms while the output is stuck; want under 80ms", cpu)
	}
	waitStats(t, s, 3*time.Second, "closed", func(st echo.Stats) bool { return st.Conns == 0 })
	checkWithin(t, "closed", time.Since(began), timeout)
	if st := s.Stats(); st.Timeouts.Write != 1 || st.Buffered != 0 {
		t.Errorf("%d write timeouts, %d bytes buffered; want 1 and 0", st.Timeouts.Write, st.Buffered)
	}
}

// TestHalfCloseNoSpin: a client that sends 16 MiB, never reads the echo
// and shuts down its write side must not make the loop spin on
// EPOLLRDHUP; the write timeout then closes it.
func TestHalfCloseNoSpin(t *testing.T) {
	const timeout = 1500 * time.Millisecond
	s, addr, _ := serve(t, echo.Limits{WriteTimeout: timeout})
	c := dialBench(t, "ws://"+addr+"/")
	sendLarge(t, c, 16<<20)
	began := time.Now()
	if err := c.nc.(*handshake.ClientConn).Conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	cpu := cpuOver(t, time.Second)
	t.Logf("CPU %v over 1s after the half-close", cpu)
	if cpu > 200*time.Millisecond {
		t.Errorf("CPU %v over 1s after the half-close; want well under 200ms", cpu)
	}
	waitStats(t, s, 3*time.Second, "closed", func(st echo.Stats) bool { return st.Conns == 0 })
	checkWithin(t, "closed", time.Since(began), timeout)
	if st := s.Stats(); st.Timeouts.Write != 1 {
		t.Errorf("%d write timeouts; want 1", st.Timeouts.Write)
	}
}

// TestCloseTimeout: on shutdown the server sends close 1001 and waits
// CloseTimeout for a client that never answers, not the whole grace.
func TestCloseTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	s := echo.NewServer(32<<20, 16<<10, 16<<10, nil)
	s.Limits = echo.Limits{CloseTimeout: timeout}
	addr, stop, err := Listen(s, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dialBench(t, "ws://"+addr.String()+"/")
	time.Sleep(20 * time.Millisecond)
	began := time.Now()
	stop(5 * time.Second)
	checkWithin(t, "stopped", time.Since(began), timeout)
	if st := s.Stats(); st.Timeouts.Close != 1 || st.Conns != 0 {
		t.Errorf("%d close timeouts, %d connections; want 1 and 0", st.Timeouts.Close, st.Conns)
	}
}

// TestOutputBudget: output a client does not read, beyond what the socket
// takes, comes out of MaxBuffered; over it, the connection is closed and
// counted, and its share given back.
func TestOutputBudget(t *testing.T) {
	s, addr, _ := serve(t, echo.Limits{MaxBuffered: 1})
	c := dialBench(t, "ws://"+addr+"/")
	go func() { // small messages, never reading their echoes
		msg := make([]byte, 1000)
		c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		for c.w.WriteMessage(codec.OpBinary, msg) == nil {
		}
	}()
	waitStats(t, s, 5*time.Second, "closed for memory", func(st echo.Stats) bool { return st.Refused.Memory >= 1 && st.Conns == 0 })
	if st := s.Stats(); st.Buffered != 0 {
		t.Errorf("%d bytes buffered after the connection closed; want 0", st.Buffered)
	}
}

// TestMaxConns: with MaxConns 5, of 10 clients 5 are served and the
// others wait in the backlog; as the first close, the others are served.
func TestMaxConns(t *testing.T) {
	s, addr, logs := serve(t, echo.Limits{MaxConns: 5})
	type dialed struct {
		c   benchConn
		err error
	}
	ch := make(chan dialed, 10)
	for range 10 {
		go func() {
			c, err := dialWS("ws://" + addr + "/")
			ch <- dialed{c, err}
		}()
	}
	var first []benchConn
	for range 5 {
		d := <-ch
		if d.err != nil {
			t.Fatal(d.err)
		}
		first = append(first, d.c)
	}
	select {
	case <-ch:
		t.Fatal("a sixth client was served while 5 were open")
	case <-time.After(300 * time.Millisecond):
	}
	if st := s.Stats(); st.Conns != 5 || st.AcceptPauses < 1 {
		t.Fatalf("%d connections open, %d accept pauses; want 5 and at least 1", st.Conns, st.AcceptPauses)
	}
	for _, c := range first {
		echoOnce(t, c)
		c.nc.Close()
	}
	for range 5 {
		d := <-ch
		if d.err != nil {
			t.Fatal(d.err)
		}
		echoOnce(t, d.c)
		d.c.nc.Close()
	}
	if n := logs.count("accepting paused"); n != 1 {
		t.Errorf("%d log lines about pausing; want 1 for the episode", n)
	}
}

// echoOnce sends a message on c and checks its echo.
func echoOnce(t *testing.T, c benchConn) {
	t.Helper()
	c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := c.w.WriteMessage(codec.OpText, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.r.ReadMessage(nil); err != nil || string(msg) != "hello" {
		t.Fatalf("echo %q, %v", msg, err)
	}
}

// TestDescriptorExhaustion lowers the descriptor limit and opens silent
// connections until the server cannot accept (EMFILE). The server must
// not spin meanwhile; once the handshake timeout closes the silent
// connections, it accepts again and a fresh client is served.
func TestDescriptorExhaustion(t *testing.T) {
	const timeout = 1500 * time.Millisecond
	warmNet(t)
	s, addr, logs := serve(t, echo.Limits{HandshakeTimeout: timeout, MaxConns: 1 << 20})
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skip(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	spare, err := os.Open(os.DevNull) // given back at the limit, for one more dial
	if err != nil {
		t.Fatal(err)
	}
	low := lim
	low.Cur = uint64(openFDs(t) + 40)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip(err)
	}
	silent := fillDescriptors(t, addr, spare)
	defer func() {
		for _, nc := range silent {
			nc.Close()
		}
	}()
	waitStats(t, s, time.Second, "accepting paused", func(st echo.Stats) bool { return st.AcceptPauses >= 1 })
	accepted := int64(s.Stats().Conns)
	cpu := cpuOver(t, time.Second)
	t.Logf("%d silent connections, %d accepted; CPU %v over 1s at the descriptor limit", len(silent), accepted, cpu)
	if cpu > 100*time.Millisecond {
		t.Errorf("CPU %v over 1s at the descriptor limit; want under 10%% of a core", cpu)
	}
	waitStats(t, s, timeout+time.Second, "silent connections timed out", func(st echo.Stats) bool { return st.Timeouts.Handshake >= accepted })
	for _, nc := range silent {
		nc.Close()
	}
	c, err := dialWS("ws://" + addr + "/")
	if err != nil {
		t.Fatalf("a fresh client after the timeouts: %v", err)
	}
	defer c.nc.Close()
	echoOnce(t, c)
	if n := logs.count("accepting paused"); n != 1 {
		t.Errorf("%d log lines about pausing; want 1 for the episode", n)
	}
}

// fillDescriptors dials silent connections to addr until the process is
// out of descriptors, then closes spare and dials once more, so that the
// server, not the client, is the one left without a descriptor.
func fillDescriptors(t *testing.T, addr string, spare *os.File) []net.Conn {
	t.Helper()
	var conns []net.Conn
	for len(conns) < 1000 {
		nc, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				t.Fatalf("dial: %v", err)
			}
			break
		}
		conns = append(conns, nc)
		time.Sleep(time.Millisecond) // let the server take each
	}
	time.Sleep(20 * time.Millisecond)
	spare.Close()
	if nc, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conns = append(conns, nc)
	}
	return conns
}
