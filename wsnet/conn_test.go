package wsnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/testenv"
)

// rawPair connects two TCP sockets over loopback, closed at the end of the
// test. It sets no deadline: the Conns under test must bound their own
// waits (tcpPair adds one).
func rawPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// connPair returns a client and a server Conn over loopback TCP.
func connPair(t *testing.T, copts, sopts *Options) (client, server *Conn) {
	t.Helper()
	cn, sn := rawPair(t)
	client = NewConn(cn, nil, codec.RoleClient, nil, copts)
	server = NewConn(sn, nil, codec.RoleServer, nil, sopts)
	t.Cleanup(func() { client.CloseNow(); server.CloseNow() })
	return client, server
}

// within fails the test when f has not returned after d.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// readLoop reads c until it fails, in a goroutine, and returns the error
// it ended with.
func readLoop(c *Conn) <-chan error {
	errc := make(chan error, 1)
	go func() {
		var buf []byte
		for {
			var err error
			if _, buf, err = c.ReadMessage(context.Background(), buf[:0]); err != nil {
				errc <- err
				return
			}
		}
	}()
	return errc
}

// TestConcurrentWriters has 8 goroutines write messages to one Conn, half
// of them streamed in many fragments, while pings go out too: each message
// must arrive whole and unmixed, and pings may only land between frames.
func TestConcurrentWriters(t *testing.T) {
	client, server := connPair(t, nil, nil)
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				msg := bytes.Repeat([]byte{byte('a' + g)}, 1000+i*997)
				copy(msg, fmt.Sprintf("%d/%d:", g, i))
				if g%2 == 0 {
					if err := server.WriteMessage(context.Background(), codec.OpBinary, msg); err != nil {
						t.Error(err)
						return
					}
					continue
				}
				mw, err := server.NextWriter(context.Background(), codec.OpBinary)
				if err != nil {
					t.Error(err)
					return
				}
				for p := msg; len(p) > 0; p = p[min(len(p), 40000):] {
					mw.Write(p[:min(len(p), 40000)])
				}
				if err := mw.Close(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	pings := make(chan struct{})
	go func() {
		defer close(pings)
		for range 100 {
			if err := server.w.WritePing([]byte("between")); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	next := make([]int, writers)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range writers * each {
		_, msg, err := client.ReadMessage(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var g, i int
		if _, err := fmt.Sscanf(string(msg), "%d/%d:", &g, &i); err != nil || g >= writers {
			t.Fatalf("message starts %q", msg[:min(len(msg), 20)])
		}
		want := bytes.Repeat([]byte{byte('a' + g)}, 1000+i*997)
		copy(want, fmt.Sprintf("%d/%d:", g, i))
		if i != next[g] || !bytes.Equal(msg, want) {
			t.Fatalf("writer %d: message %d (want %d) of %d bytes is not what was sent", g, i, next[g], len(msg))
		}
		next[g]++
	}
	wg.Wait()
	<-pings
}

// TestKeepaliveSilentPeer: a peer that answers for a while, then stops
// reading without closing TCP, is found within interval + timeout of its
// last answer, and reads say so.
func TestKeepaliveSilentPeer(t *testing.T) {
	const interval, timeout = 200 * time.Millisecond, 100 * time.Millisecond
	const tolerance = 150 * time.Millisecond
	client, server := connPair(t, nil, &Options{KeepaliveInterval: interval, KeepaliveTimeout: timeout})
	// The peer answers pings (its reader does) for 5 intervals: the
	// connection must survive that.
	ctx, cancel := context.WithCancel(context.Background())
	peer := make(chan struct{})
	go func() {
		defer close(peer)
		for {
			if _, _, err := client.ReadMessage(ctx, nil); err != nil {
				return
			}
		}
	}()
	errc := readLoop(server)
	// Stopping just after a ping was answered is the worst case: the next
	// ping is a whole interval away.
	select {
	case err := <-errc:
		t.Fatalf("a live peer was dropped: %v", err)
	case <-time.After(5*interval + 10*time.Millisecond):
	}
	cancel() // the peer stops reading, and so stops answering pings
	<-peer
	silent := time.Now()
	select {
	case err := <-errc:
		took := time.Since(silent)
		if !errors.Is(err, ErrKeepaliveTimeout) {
			t.Fatalf("read error %v; want one wrapping ErrKeepaliveTimeout", err)
		}
		var ce *ClosedError
		if !errors.As(err, &ce) || ce.Code != codec.CloseAbnormal {
			t.Errorf("read error %v; want a *ClosedError with 1006", err)
		}
		t.Logf("silent peer found after %v (interval %v, timeout %v)", took, interval, timeout)
		if took > interval+timeout+tolerance {
			t.Errorf("found after %v; want at most %v", took, interval+timeout+tolerance)
		}
	case <-time.After(5 * (interval + timeout)):
		t.Fatal("the silent peer was never found")
	}
	select {
	case <-server.Done():
	default:
		t.Error("the connection is still open")
	}
}

// TestKeepaliveBusyWriter: a connection whose writers keep its frame
// lock busy still gets its pings out, so a peer that only reads, and
// answers pings, is not taken for dead.
func TestKeepaliveBusyWriter(t *testing.T) {
	// Long enough for the peer's reader to get a turn on a loaded
	// machine; the skipped pings this test caught never went out at all.
	const interval = 300 * time.Millisecond
	client, server := connPair(t, nil, &Options{KeepaliveInterval: interval})
	readLoop(client) // reads everything and answers pings; sends nothing else
	errc := readLoop(server)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := make([]byte, 4096)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if server.WriteMessage(context.Background(), codec.OpBinary, msg) != nil {
					return
				}
			}
		}()
	}
	select {
	case err := <-errc:
		t.Errorf("a live peer was dropped while writers were busy: %v", err)
	case <-time.After(5 * interval):
	}
	close(stop)
	wg.Wait()
}

// TestKeepaliveStuckWriter: a peer that neither reads nor sends, while a
// writer is stuck on its full socket, is found all the same, and the
// stuck write returns.
func TestKeepaliveStuckWriter(t *testing.T) {
	const interval, timeout = 100 * time.Millisecond, 100 * time.Millisecond
	_, sn := rawPair(t) // the peer does nothing at all
	c := NewConn(sn, nil, codec.RoleServer, nil, &Options{KeepaliveInterval: interval, KeepaliveTimeout: timeout})
	errc := readLoop(c)
	werr := make(chan error, 1)
	go func() {
		big := make([]byte, 1<<20)
		for {
			if err := c.WriteMessage(context.Background(), codec.OpBinary, big); err != nil {
				werr <- err
				return
			}
		}
	}()
	start := time.Now()
	within(t, 2*time.Second, "keepalive", func() {
		if err := <-errc; !errors.Is(err, ErrKeepaliveTimeout) {
			t.Errorf("read: %v; want ErrKeepaliveTimeout", err)
		}
	})
	if took := time.Since(start); took > interval+timeout+150*time.Millisecond {
		t.Errorf("found after %v", took)
	}
	within(t, time.Second, "the stuck write", func() { <-werr })
}

// TestPing measures a round trip, and concurrent pings each get their own
// pong.
func TestPing(t *testing.T) {
	client, server := connPair(t, nil, nil)
	readLoop(client) // answers the pings
	readLoop(server) // sees the pongs
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rtt, err := server.Ping(ctx)
			if err != nil || rtt <= 0 {
				t.Errorf("Ping = %v, %v", rtt, err)
			}
		}()
	}
	wg.Wait()
	if len(server.pings) != 0 {
		t.Errorf("%d pings still wait", len(server.pings))
	}
	if !testenv.RaceEnabled {
		testenv.NoAllocs(t, "Ping", func() {
			if _, err := server.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPingUnanswered: a ping to a peer that does not read ends with the
// context.
func TestPingUnanswered(t *testing.T) {
	_, server := connPair(t, nil, nil)
	readLoop(server)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	within(t, time.Second, "Ping", func() {
		if _, err := server.Ping(ctx); err != context.DeadlineExceeded {
			t.Errorf("Ping: %v; want DeadlineExceeded", err)
		}
	})
}

// TestCloseHandshake: Close from one side while the other reads; both see
// the code, and Close returns once the peer's close came.
func TestCloseHandshake(t *testing.T) {
	client, server := connPair(t, nil, nil)
	errc := readLoop(server)
	within(t, 2*time.Second, "Close", func() {
		if err := client.Close(codec.CloseNormal, "bye"); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	var ce *ClosedError
	if err := <-errc; !errors.As(err, &ce) || ce.Code != codec.CloseNormal || ce.Reason != "bye" {
		t.Errorf("server read %v; want 1000 \"bye\"", err)
	}
	<-server.Done()
	<-client.Done()
	if _, _, err := client.ReadMessage(context.Background(), nil); !errors.As(err, &ce) || ce.Code != codec.CloseNormal {
		t.Errorf("client read after Close: %v; want the server's 1000", err)
	}
	if err := client.WriteMessage(context.Background(), codec.OpText, []byte("late")); err == nil {
		t.Error("a write after Close succeeded")
	}
}

// TestCloseWhileReading: Close while another goroutine of the same side
// is blocked reading; the reader sees the peer's close.
func TestCloseWhileReading(t *testing.T) {
	client, server := connPair(t, nil, nil)
	readLoop(server)
	errc := readLoop(client)
	time.Sleep(10 * time.Millisecond) // let the reader block
	within(t, 2*time.Second, "Close", func() {
		if err := client.Close(codec.CloseGoingAway, ""); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	var ce *ClosedError
	if err := <-errc; !errors.As(err, &ce) || ce.Code != codec.CloseGoingAway {
		t.Errorf("blocked read returned %v; want the echo of 1001", err)
	}
}

// TestCloseTimeout: a peer that never answers the close costs at most the
// close timeout, also while a writer is blocked on it and a reader waits.
func TestCloseTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	cn, _ := rawPair(t) // the server side is never read
	c := NewConn(cn, nil, codec.RoleClient, nil, &Options{CloseTimeout: timeout})
	readErr := readLoop(c)
	writeErr := make(chan error, 1)
	go func() {
		big := make([]byte, 1<<20)
		for {
			if err := c.WriteMessage(context.Background(), codec.OpBinary, big); err != nil {
				writeErr <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond) // the socket buffers fill; the writer blocks
	start := time.Now()
	if err := c.Close(codec.CloseNormal, ""); err == nil {
		t.Errorf("Close succeeded without the peer's close")
	}
	if took := time.Since(start); took > timeout+200*time.Millisecond {
		t.Errorf("Close took %v; the timeout is %v", took, timeout)
	}
	within(t, time.Second, "the blocked write", func() { <-writeErr })
	within(t, time.Second, "the blocked read", func() { <-readErr })
}

// TestCloseDuringWriteContext: a write whose context ends while Close
// waits for it must not take Close's deadline away.
func TestCloseDuringWriteContext(t *testing.T) {
	server, _ := net.Pipe() // the peer never reads
	c := NewConn(server, nil, codec.RoleServer, nil, &Options{CloseTimeout: 300 * time.Millisecond})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		c.WriteMessage(ctx, codec.OpText, []byte("hello"))
	}()
	time.Sleep(20 * time.Millisecond)
	within(t, 2*time.Second, "Close", func() { c.Close(codec.CloseTryAgainLater, "too slow") })
}

// TestCloseNow unblocks a read at once, and reads say why.
func TestCloseNow(t *testing.T) {
	_, server := connPair(t, nil, nil)
	errc := readLoop(server)
	time.Sleep(10 * time.Millisecond)
	server.CloseNow()
	within(t, time.Second, "the read", func() {
		err := <-errc
		var ce *ClosedError
		if !errors.As(err, &ce) || ce.Code != codec.CloseAbnormal || !errors.Is(err, net.ErrClosed) {
			t.Errorf("read after CloseNow: %v; want 1006 wrapping net.ErrClosed", err)
		}
	})
	if err := server.CloseNow(); err != nil {
		t.Errorf("second CloseNow: %v", err)
	}
}

// TestReadContext: a read that a context ends leaves the connection
// usable, even in the middle of a message.
func TestReadContext(t *testing.T) {
	client, server := connPair(t, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := server.ReadMessage(ctx, nil); err != context.DeadlineExceeded {
		t.Fatalf("read: %v; want DeadlineExceeded", err)
	}
	// Half a message, then the context ends, then the rest.
	mw, _ := client.NextWriter(context.Background(), codec.OpText)
	mw.Write(bytes.Repeat([]byte("x"), 40000)) // one fragment goes out
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel2)
	_, part, err := server.ReadMessage(ctx2, nil)
	if err != context.Canceled || len(part) != 32<<10 {
		t.Fatalf("read: %d bytes, %v; want the first fragment and Canceled", len(part), err)
	}
	mw.Write([]byte("yz"))
	mw.Close()
	_, msg, err := server.ReadMessage(context.Background(), part)
	if err != nil || len(msg) != 40002 || string(msg[40000:]) != "yz" {
		t.Fatalf("resumed read: %d bytes, %v", len(msg), err)
	}
}

// TestDeadlines: a deadline in the past fails a read and a write with a
// timeout; once extended, both work.
func TestDeadlines(t *testing.T) {
	client, server := connPair(t, nil, nil)
	server.SetDeadline(time.Now().Add(-time.Second))
	_, _, err := server.ReadMessage(context.Background(), nil)
	if !isTimeout(err) {
		t.Fatalf("read past the deadline: %v", err)
	}
	if err := server.WriteMessage(context.Background(), codec.OpText, []byte("x")); !isTimeout(err) {
		t.Fatalf("write past the deadline: %v", err)
	}
	server.SetDeadline(time.Time{})
	if err := server.WriteMessage(context.Background(), codec.OpText, []byte("after")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := client.ReadMessage(context.Background(), nil); err != nil || string(msg) != "after" {
		t.Fatalf("read %q, %v", msg, err)
	}
	if err := client.WriteMessage(context.Background(), codec.OpText, []byte("back")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := server.ReadMessage(context.Background(), nil); err != nil || string(msg) != "back" {
		t.Fatalf("read %q, %v", msg, err)
	}
}

// TestWriteContext: a write blocked on a peer that does not read ends
// with its context; the rest of its frame goes out before the next one,
// so the peer, once it reads, sees whole messages.
func TestWriteContext(t *testing.T) {
	client, server := connPair(t, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	big := bytes.Repeat([]byte("b"), 1<<20)
	var err error
	sent := 0
	within(t, 2*time.Second, "the write", func() {
		for err == nil {
			if err = client.WriteMessage(ctx, codec.OpBinary, big); err == nil {
				sent++
			}
		}
	})
	if err != context.DeadlineExceeded {
		t.Fatalf("write: %v; want DeadlineExceeded", err)
	}
	done := make(chan error, 1)
	go func() { done <- client.WriteMessage(context.Background(), codec.OpText, []byte("after")) }()
	for i := 0; ; i++ {
		_, msg, err := server.ReadMessage(context.Background(), nil)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if string(msg) == "after" {
			if i < sent || i > sent+1 {
				t.Errorf("%d messages before the last; %d were sent whole, one cut", i, sent)
			}
			break
		}
		if !bytes.Equal(msg, big) {
			t.Fatalf("message %d: %d bytes, not what was sent", i, len(msg))
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A writer waiting for the write side gives up with its own context,
	// and one whose context lasts gets it when the stream closes.
	mw, _ := client.NextWriter(context.Background(), codec.OpText)
	ctx3, cancel3 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel3()
	if err := client.WriteMessage(ctx3, codec.OpText, []byte("x")); err != context.DeadlineExceeded {
		t.Errorf("waiting writer: %v; want DeadlineExceeded", err)
	}
	ctx4, cancel4 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel4()
	waited := make(chan error, 1)
	go func() { waited <- client.WriteMessage(ctx4, codec.OpText, []byte("y")) }()
	time.Sleep(20 * time.Millisecond)
	mw.Close()
	within(t, time.Second, "the waiting writer", func() {
		if err := <-waited; err != nil {
			t.Errorf("waiting writer: %v", err)
		}
	})
}

// TestNextReaderContext reads a message in pieces through NextReader.
func TestNextReaderContext(t *testing.T) {
	client, server := connPair(t, nil, nil)
	payload := bytes.Repeat([]byte("0123456789"), 10000)
	go client.WriteMessage(context.Background(), codec.OpBinary, payload)
	op, r, err := server.NextReader(context.Background())
	if err != nil || op != codec.OpBinary {
		t.Fatalf("NextReader: %v %v", op, err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
}

// TestWriteTimeout: a peer that takes nothing fails the write after the
// write timeout and closes the connection; one that reads slowly but
// steadily keeps pushing it back, however long the message takes.
func TestWriteTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	cn, _ := rawPair(t) // never read
	c := NewConn(cn, nil, codec.RoleClient, nil, &Options{WriteTimeout: timeout})
	big := make([]byte, 1<<20)
	var err error
	start := time.Now()
	within(t, 2*time.Second, "the write", func() {
		for err == nil {
			err = c.WriteMessage(context.Background(), codec.OpBinary, big)
		}
	})
	if !errors.Is(err, ErrWriteTimeout) {
		t.Fatalf("write: %v; want ErrWriteTimeout", err)
	}
	t.Logf("failed after %v", time.Since(start))
	if _, _, err := c.ReadMessage(context.Background(), nil); !errors.Is(err, ErrWriteTimeout) {
		t.Errorf("read after the timeout: %v", err)
	}

	// Small socket buffers, so that the message cannot hide in them.
	const slowTimeout = 100 * time.Millisecond
	cn, sn := rawPair(t)
	cn.(*net.TCPConn).SetWriteBuffer(32 << 10)
	sn.(*net.TCPConn).SetReadBuffer(32 << 10)
	client := NewConn(cn, nil, codec.RoleClient, nil, &Options{WriteTimeout: slowTimeout})
	go func() { // reads 32 KiB every 10 ms: about 3 MB/s
		buf := make([]byte, 32<<10)
		for {
			time.Sleep(10 * time.Millisecond)
			if _, err := sn.Read(buf); err != nil {
				return
			}
		}
	}()
	slow := time.Now()
	if err := client.WriteMessage(context.Background(), codec.OpBinary, make([]byte, 2<<20)); err != nil {
		t.Fatalf("write to a slow reader: %v", err)
	}
	t.Logf("2 MiB to a slow reader took %v", time.Since(slow))
	if took := time.Since(slow); took < 2*slowTimeout {
		t.Errorf("the slow write took %v, not longer than the timeout: the test proves nothing", took)
	}
}
