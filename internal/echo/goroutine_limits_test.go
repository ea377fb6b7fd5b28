package echo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/wsnet"
)

// The goroutine engine's defences, each against the attack it answers,
// with limits short enough for a test. The timings are checked against
// a generous slack, for loaded machines and the race detector: each test
// asserts that a connection is closed neither before its timeout nor long
// after it.

// shortLimits are the limits of these tests.
var shortLimits = Limits{
	HandshakeTimeout: 200 * time.Millisecond,
	IdleTimeout:      200 * time.Millisecond,
	PingTimeout:      100 * time.Millisecond,
	WriteTimeout:     300 * time.Millisecond,
	CloseTimeout:     200 * time.Millisecond,
}

// slack is how much later than its timeout a connection may be closed.
const slack = 500 * time.Millisecond

// listenLimited serves a new server with limits lim on a loopback port
// with the goroutine engine, until the test ends.
func listenLimited(t testing.TB, lim Limits) (s *Server, addr string, stop func(grace time.Duration)) {
	t.Helper()
	s = NewServer(32<<20, 16<<10, 16<<10, nil)
	s.Limits = lim
	a, stop, err := Listen(s, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(2 * time.Second) })
	return s, a.String(), stop
}

// wsDial opens a WebSocket connection to addr and returns the bare
// connection, with nothing left over from the handshake.
func wsDial(ctx context.Context, addr string) (net.Conn, error) {
	c, rest, err := handshake.Dial(ctx, "ws://"+addr+"/", nil)
	if err == nil && len(rest) > 0 {
		c.Close()
		err = fmt.Errorf("%d bytes after the handshake", len(rest))
	}
	return c, err
}

// rawDial is wsDial for the test's goroutine: it fails t, and closes the
// connection when the test ends.
func rawDial(t testing.TB, addr string) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := wsDial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// binaryFrame returns a masked binary frame of size bytes (its key is
// zero, so the payload is as sent).
func binaryFrame(size int) []byte {
	f := codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Masked: true, Length: int64(size)})
	return append(f, make([]byte, size)...)
}

// echoSize is the size of the server's echo of a binary frame of size
// bytes: unmasked.
func echoSize(size int) int {
	return len(codec.AppendHeader(nil, codec.Header{Length: int64(size)})) + size
}

// untilClosed reads c until the server closes it and returns how long
// that took from began; it fails t if the server has not within limit.
// Other goroutines than the test's may call it.
func untilClosed(t *testing.T, c net.Conn, began time.Time, limit time.Duration) time.Duration {
	t.Helper()
	c.SetReadDeadline(began.Add(limit))
	_, err := io.Copy(io.Discard, c) // EOF is nil; a reset is closed all the same
	d := time.Since(began)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("still open after %v", d.Round(time.Millisecond))
	}
	return d
}

// within fails t unless lo <= d <= hi.
func within(t *testing.T, what string, d, lo, hi time.Duration) {
	t.Helper()
	t.Logf("%s after %v", what, d.Round(time.Millisecond))
	if d < lo || d > hi {
		t.Errorf("%s after %v; want %v to %v", what, d.Round(time.Millisecond), lo, hi)
	}
}

// TestGoroutineHandshakeTimeout: a connection that sends nothing, and one
// that sends its request head a byte every 50 ms, are both closed at
// HandshakeTimeout and counted.
func TestGoroutineHandshakeTimeout(t *testing.T) {
	s, addr, _ := listenLimited(t, shortLimits)
	ht := shortLimits.HandshakeTimeout
	var wg sync.WaitGroup
	for _, slow := range []bool{false, true} {
		wg.Go(func() {
			began := time.Now()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if slow {
				go slowloris(c, 50*time.Millisecond)
			}
			within(t, fmt.Sprintf("slowloris %v: closed", slow), untilClosed(t, c, began, ht+slack), ht, ht+slack)
		})
	}
	wg.Wait()
	waitFor(t, "two handshake timeouts", func() bool { return s.Stats().Timeouts.Handshake == 2 })
}

// slowloris writes a request head to c a byte at a time, every d, until
// a write fails.
func slowloris(c net.Conn, d time.Duration) {
	head := "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Padding: " +
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
	for i := 0; ; i = (i + 1) % len(head) {
		if _, err := c.Write([]byte{head[i]}); err != nil {
			return
		}
		time.Sleep(d)
	}
}

// waitFor fails t unless cond holds within a second.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no %s", what)
		}
	}
}

// TestGoroutineIdleTimeout: an upgraded client that stays silent gets a
// ping after IdleTimeout and, not answering, is closed PingTimeout later.
func TestGoroutineIdleTimeout(t *testing.T) {
	s, addr, _ := listenLimited(t, shortLimits)
	lim := shortLimits
	began := time.Now()
	c := rawDial(t, addr)
	// The ping: an empty, unmasked frame.
	var ping [2]byte
	c.SetReadDeadline(began.Add(lim.IdleTimeout + slack))
	if _, err := io.ReadFull(c, ping[:]); err != nil || ping != [2]byte{0x89, 0} {
		t.Fatalf("read % x, %v; want a ping", ping, err)
	}
	// The checks run every IdleTimeout/8, and the clock may be late by as
	// much again.
	within(t, "ping", time.Since(began), lim.IdleTimeout, lim.IdleTimeout+lim.IdleTimeout/4+slack)
	d := untilClosed(t, c, began, lim.IdleTimeout+lim.PingTimeout+slack)
	within(t, "closed", d, lim.IdleTimeout+lim.PingTimeout, lim.IdleTimeout+lim.IdleTimeout/4+lim.PingTimeout+slack)
	waitFor(t, "idle timeout counted", func() bool { return s.Stats().Timeouts.Idle == 1 })
}

// TestGoroutineIdleAnswered: a client that reads, and so answers the
// pings, stays open across several idle periods, and is echoed after.
func TestGoroutineIdleAnswered(t *testing.T) {
	s, addr, _ := listenLimited(t, shortLimits)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := wsnet.Dial(ctx, "ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	got := make(chan error, 1)
	go func() {
		_, msg, err := c.ReadMessage(ctx, nil)
		if err == nil && string(msg) != "still here" {
			err = fmt.Errorf("echo %q", msg)
		}
		got <- err
	}()
	lim := shortLimits
	time.Sleep(4 * (lim.IdleTimeout + lim.PingTimeout))
	if err := c.WriteMessage(ctx, codec.OpText, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Timeouts.Idle != 0 || st.Conns != 1 {
		t.Errorf("%d idle timeouts, %d connections; want 0 and 1", st.Timeouts.Idle, st.Conns)
	}
}

// TestGoroutineWriteTimeout: a client that sends 8 MiB and never reads
// the echo is closed once the server's writes have made no progress for
// WriteTimeout.
func TestGoroutineWriteTimeout(t *testing.T) {
	lim := shortLimits
	lim.IdleTimeout = time.Minute // the client sends nothing after its message
	s, addr, _ := listenLimited(t, lim)
	c := rawDial(t, addr)
	// A small receive buffer, so that the echo cannot all wait in the
	// kernel.
	if err := c.(*handshake.ClientConn).Conn.(*net.TCPConn).SetReadBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(binaryFrame(8 << 20)); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	waitFor(t, "write timeout counted", func() bool { return s.Stats().Timeouts.Write == 1 })
	within(t, "write timeout", time.Since(sent), lim.WriteTimeout, lim.WriteTimeout+slack)
	waitFor(t, "connection closed", func() bool { return s.Stats().Conns == 0 })
}

// TestGoroutineCloseTimeout: at shutdown, a client that does not answer
// the server's close is closed after CloseTimeout, long before the grace
// period ends.
func TestGoroutineCloseTimeout(t *testing.T) {
	s, addr, stop := listenLimited(t, shortLimits)
	c := rawDial(t, addr)
	// An echo shows the server serving the connection: shutdown finds it.
	echoOnce(t, c, binaryFrame(10), 10)
	c.SetDeadline(time.Time{})
	began := time.Now()
	stopped := make(chan time.Duration, 1)
	go func() { stop(10 * time.Second); stopped <- time.Since(began) }()
	ct := shortLimits.CloseTimeout
	within(t, "closed", untilClosed(t, c, began, ct+slack), ct, ct+slack)
	within(t, "shutdown done", <-stopped, ct, ct+slack)
	if n := s.Stats().Timeouts.Close; n != 1 {
		t.Errorf("%d close timeouts; want 1", n)
	}
}

// TestGoroutineMaxConns: with MaxConns 5 and 10 clients, 5 are served at
// once and the others wait in the listen queue until those close.
func TestGoroutineMaxConns(t *testing.T) {
	lim := shortLimits
	lim.MaxConns = 5
	lim.IdleTimeout = time.Minute
	s, addr, _ := listenLimited(t, lim)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	type dialed struct {
		c   net.Conn
		err error
	}
	conns := make(chan dialed, 10)
	for range 10 {
		go func() {
			c, err := wsDial(ctx, addr)
			conns <- dialed{c, err}
		}()
	}
	next := func() net.Conn {
		d := <-conns
		if d.err != nil {
			t.Fatal(d.err)
		}
		t.Cleanup(func() { d.c.Close() })
		return d.c
	}
	first := make([]net.Conn, 5)
	for i := range first {
		first[i] = next()
	}
	select {
	case <-conns:
		t.Fatal("a sixth connection was served")
	case <-time.After(300 * time.Millisecond):
	}
	st := s.Stats()
	if st.Conns != 5 || st.AcceptPauses == 0 {
		t.Errorf("%d connections open, %d accept pauses; want 5 and some", st.Conns, st.AcceptPauses)
	}
	frame := binaryFrame(100)
	for _, c := range first {
		echoOnce(t, c, frame, 100)
		c.Close()
	}
	for range 5 {
		c := next()
		echoOnce(t, c, frame, 100)
		c.Close()
	}
}

// echoOnce sends frame, of size payload bytes, on c and reads its echo.
func echoOnce(t *testing.T, c net.Conn, frame []byte, size int) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(frame); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, c, int64(echoSize(size))); err != nil {
		t.Fatal(err)
	}
}

// TestGoroutineIdleHeap: 20 connections each echo one 8 MiB message and
// then sit idle: the heap is back near where it was before they
// connected, and the memory budget is all free. The message buffers went
// back after each message; the pools keep some (the message pool at most
// 8 MiB), and resting connections give their read and write buffers to
// the pools too.
func TestGoroutineIdleHeap(t *testing.T) {
	const conns, size = 20, 8 << 20
	lim := shortLimits
	lim.IdleTimeout = 10 * time.Second // no pings, however slow the machine
	s, addr, _ := listenLimited(t, lim)
	frame := binaryFrame(size)
	before := heapAfterGC()
	cs := make([]net.Conn, conns)
	for i := range cs {
		cs[i] = rawDial(t, addr)
		echoOnce(t, cs[i], frame, size)
	}
	waitFor(t, "budget all free", func() bool { return s.Stats().Buffered == 0 })
	after := heapAfterGC()
	grew := int64(after) - int64(before)
	t.Logf("heap %.1f MiB before, %.1f MiB after: %+.1f MiB (the message pool may keep 8 MiB of it)",
		mib(before), mib(after), float64(grew)/(1<<20))
	if limit := int64(conns*64<<10 + 8<<20 + 4<<20); grew > limit {
		t.Errorf("the heap grew by %.1f MiB with %d idle connections; want at most %.1f MiB", mib(uint64(grew)), conns, mib(uint64(limit)))
	}
	if n := s.Stats().Conns; n != conns {
		t.Errorf("%d connections open; want %d", n, conns)
	}
	runtime.KeepAlive(frame)
}

// heapAfterGC collects garbage and returns the bytes of heap objects.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// mib returns n in MiB.
func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// fakeListener returns errs in turn from Accept, then connections.
type fakeListener struct {
	net.Listener
	errs []error
}

// Accept returns the next error, or else one end of a pipe.
func (l *fakeListener) Accept() (net.Conn, error) {
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		return nil, err
	}
	a, b := net.Pipe()
	b.Close()
	return a, nil
}

// Close closes nothing.
func (l *fakeListener) Close() error { return nil }

// errNoFiles stands for EMFILE, which accept returns when the process
// is out of descriptors.
var errNoFiles = &net.OpError{Op: "accept", Net: "tcp", Err: errors.New("too many open files")}

// TestGateCountsEpisodes: failing accepts, as for want of descriptors,
// count one accept pause per episode, however many accepts fail in it;
// so does reaching MaxConns; and closing the listener ends a wait for a
// slot.
func TestGateCountsEpisodes(t *testing.T) {
	s := NewServer(1<<20, 0, 0, nil)
	ln := &fakeListener{errs: []error{errNoFiles, errNoFiles, errNoFiles}}
	g := newGate(ln, s, 2)
	pauses := func() int64 { return s.Stats().AcceptPauses }
	for range 3 {
		if _, err := g.Accept(); err != errNoFiles {
			t.Fatalf("Accept: %v; want %v", err, errNoFiles)
		}
	}
	if n := pauses(); n != 1 {
		t.Errorf("%d pauses after 3 failures; want 1", n)
	}
	c, err := g.Accept()
	if err != nil {
		t.Fatal(err)
	}
	ln.errs = []error{errNoFiles, errNoFiles}
	for range 2 {
		g.Accept()
	}
	if n := pauses(); n != 2 {
		t.Errorf("%d pauses after a second episode; want 2", n)
	}
	// One slot of 2 is held: the next Accept takes the other, the one
	// after waits until a connection closes.
	if _, err := g.Accept(); err != nil {
		t.Fatal(err)
	}
	accepted := make(chan error, 1)
	go func() { _, err := g.Accept(); accepted <- err }()
	select {
	case err := <-accepted:
		t.Fatalf("Accept at MaxConns returned %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	c.Close()
	c.Close() // frees its slot once
	if err := <-accepted; err != nil {
		t.Fatal(err)
	}
	if n := pauses(); n != 3 {
		t.Errorf("%d pauses after reaching MaxConns; want 3", n)
	}
	go func() { _, err := g.Accept(); accepted <- err }()
	time.Sleep(20 * time.Millisecond)
	g.Close()
	if err := <-accepted; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v; want net.ErrClosed", err)
	}
}

// BenchmarkEchoGoroutine measures the goroutine engine's echo: clients on
// loopback each send a binary message and wait for its echo, over and
// over; an op is one message there and back. 1 KiB is the hot path; 64 KiB
// frames are kept whole in a grown read buffer; 4 MiB messages are
// reassembled in a message buffer.
func BenchmarkEchoGoroutine(b *testing.B) {
	for _, tc := range []struct{ conns, size int }{{1, 1 << 10}, {16, 1 << 10}, {4, 64 << 10}, {4, 4 << 20}} {
		b.Run(fmt.Sprintf("conns=%d/size=%d", tc.conns, tc.size), func(b *testing.B) {
			_, addr, stop := listenLimited(b, Limits{})
			defer stop(time.Second)
			frame := binaryFrame(tc.size)
			cs := make([]net.Conn, tc.conns)
			for i := range cs {
				cs[i] = rawDial(b, addr)
			}
			var left atomic.Int64
			left.Store(int64(b.N))
			b.SetBytes(int64(tc.size))
			b.ResetTimer()
			var wg sync.WaitGroup
			for _, c := range cs {
				wg.Go(func() { echoLoop(b, c, frame, echoSize(tc.size), &left) })
			}
			wg.Wait()
			b.StopTimer()
			for _, c := range cs {
				c.Close()
			}
		})
	}
}

// echoLoop sends frame on c and reads its echo, n bytes, until left runs
// out.
func echoLoop(b *testing.B, c net.Conn, frame []byte, n int, left *atomic.Int64) {
	echoed := make([]byte, n)
	for left.Add(-1) >= 0 {
		if _, err := c.Write(frame); err != nil {
			b.Error(err)
			return
		}
		if _, err := io.ReadFull(c, echoed); err != nil {
			b.Error(err)
			return
		}
	}
}
