package echo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/wsnet"
)

// The goroutine engine over TLS, and its WebSockets over HTTP/2: each
// defence of goroutine_limits_test.go that a stream can meet, held by a
// stream. The HTTP/2 tests run in a process started with
// GODEBUG=http2xconnect=1 (testenv.HTTP2).

// h2Limits are shortLimits with more time for the handshakes, which over
// TLS take more work: an HTTP/2 connection whose first stream has not
// come within HandshakeTimeout gets GOAWAY. The idle timeout is longer
// than HandshakeTimeout, which net/http also applies to each stream's
// reading unless Upgrade clears it.
var h2Limits = Limits{
	HandshakeTimeout: 500 * time.Millisecond,
	IdleTimeout:      700 * time.Millisecond,
	PingTimeout:      100 * time.Millisecond,
	WriteTimeout:     300 * time.Millisecond,
	CloseTimeout:     500 * time.Millisecond,
}

// listenTLS serves a new server with limits lim over TLS, HTTP/2
// offered, on a loopback port until the test ends, and returns the TLS
// configuration a client needs to trust it.
func listenTLS(t testing.TB, lim Limits) (s *Server, addr string, stop func(grace time.Duration), client *tls.Config) {
	t.Helper()
	cert, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	s = NewServer(32<<20, 16<<10, 16<<10, nil)
	s.Limits = lim
	a, stop, err := ListenTLS(s, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}}, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(2 * time.Second) })
	roots := x509Pool(t, cert)
	return s, a.String(), stop, &tls.Config{RootCAs: roots}
}

// h2Dial opens a WebSocket over HTTP/2 to addr and returns the bare
// stream; it fails t when the WebSocket is not an HTTP/2 stream.
func h2Dial(t testing.TB, addr string, cfg *tls.Config) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := handshake.Dial(ctx, "wss://"+addr+"/", &handshake.DialOptions{TLSConfig: cfg, HTTP2: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if !c.(*handshake.ClientConn).HTTP2() {
		t.Fatal("the WebSocket is not an HTTP/2 stream")
	}
	return c
}

// TestTLSEcho echoes over TLS, over HTTP/1.1 and over HTTP/2, and counts
// the WebSockets over HTTP/2 in Stats and /stats.
func TestTLSEcho(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	s, addr, _, cfg := listenTLS(t, h2Limits)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, h2 := range []bool{false, true, true} {
		c, err := wsnet.Dial(ctx, "wss://"+addr+"/", &wsnet.DialOptions{TLSConfig: cfg, HTTP2: h2})
		if err != nil {
			t.Fatal(err)
		}
		if c.HTTP2() != h2 {
			t.Errorf("HTTP2() = %v; want %v", c.HTTP2(), h2)
		}
		// Small echoes go out with other replies, large ones in a
		// writev; 100 KiB also spans several HTTP/2 frames.
		for _, size := range []int{0, 125, 1 << 10, 100 << 10} {
			msg := make([]byte, size)
			for i := range msg {
				msg[i] = byte(i * 7)
			}
			if err := c.WriteMessage(ctx, codec.OpBinary, msg); err != nil {
				t.Fatal(err)
			}
			op, got, err := c.ReadMessage(ctx, nil)
			if err != nil || op != codec.OpBinary || string(got) != string(msg) {
				t.Fatalf("echo of %d bytes (HTTP/2 %v): %v, %d bytes, %v", size, h2, op, len(got), err)
			}
		}
		if h2 {
			if st := s.Stats(); st.HTTP2Open != 1 {
				t.Errorf("%d WebSockets over HTTP/2 open; want 1", st.HTTP2Open)
			}
		}
		if err := c.Close(codec.CloseNormal, ""); err != nil {
			t.Fatalf("close (HTTP/2 %v): %v", h2, err)
		}
	}
	waitFor(t, "streams ended", func() bool { return s.Stats().HTTP2Open == 0 })
	// /stats over HTTP/2, on a connection of its own.
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get("https://" + addr + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.ProtoMajor != 2 {
		t.Fatalf("/stats over %s: %v", resp.Proto, err)
	}
	if st.HTTP2 != 2 || st.HTTP2Open != 0 || st.Messages != 12 {
		t.Errorf("/stats: %d WebSockets over HTTP/2, %d open, %d messages; want 2, 0, 12", st.HTTP2, st.HTTP2Open, st.Messages)
	}
}

// TestTLSHandshakeTimeout: a connection that sends nothing, not even
// TLS's hello, and one that completes TLS and sends no request, are both
// closed at HandshakeTimeout and counted.
func TestTLSHandshakeTimeout(t *testing.T) {
	s, addr, _, cfg := listenTLS(t, shortLimits)
	ht := shortLimits.HandshakeTimeout
	began := time.Now()
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tc, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	within(t, "silent: closed", untilClosed(t, raw, began, ht+slack), ht, ht+slack)
	within(t, "after TLS: closed", untilClosed(t, tc, began, ht+slack), ht, ht+slack)
	waitFor(t, "two handshake timeouts", func() bool { return s.Stats().Timeouts.Handshake == 2 })
}

// TestHTTP2IdleTimeout: a silent WebSocket over HTTP/2 gets a ping after
// IdleTimeout and, not answering, is closed PingTimeout later, outliving
// the HTTP/2 connection's ReadTimeout and IdleTimeout.
func TestHTTP2IdleTimeout(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	lim := h2Limits
	s, addr, _, cfg := listenTLS(t, lim)
	began := time.Now()
	c := h2Dial(t, addr, cfg)
	var ping [2]byte
	c.SetReadDeadline(began.Add(lim.IdleTimeout + lim.IdleTimeout/4 + slack))
	if _, err := io.ReadFull(c, ping[:]); err != nil || ping != [2]byte{0x89, 0} {
		t.Fatalf("read % x, %v; want a ping", ping, err)
	}
	within(t, "ping", time.Since(began), lim.IdleTimeout, lim.IdleTimeout+lim.IdleTimeout/4+slack)
	d := untilClosed(t, c, began, lim.IdleTimeout+lim.IdleTimeout/4+lim.PingTimeout+slack)
	within(t, "closed", d, lim.IdleTimeout+lim.PingTimeout, lim.IdleTimeout+lim.IdleTimeout/4+lim.PingTimeout+slack)
	waitFor(t, "idle timeout counted", func() bool { return s.Stats().Timeouts.Idle == 1 })
	waitFor(t, "stream ended", func() bool { return s.Stats().HTTP2Open == 0 })
}

// TestHTTP2WriteTimeout: a WebSocket over HTTP/2 that sends 8 MiB and
// never reads the echo is closed once the server's writes have made no
// progress for WriteTimeout: HTTP/2's flow control holds them back.
func TestHTTP2WriteTimeout(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	lim := h2Limits
	lim.IdleTimeout = time.Minute
	s, addr, _, cfg := listenTLS(t, lim)
	c := h2Dial(t, addr, cfg)
	if _, err := c.Write(binaryFrame(8 << 20)); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	for end := sent.Add(lim.WriteTimeout + 2*slack); s.Stats().Timeouts.Write == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("no write timeout")
		}
	}
	within(t, "write timeout", time.Since(sent), lim.WriteTimeout, lim.WriteTimeout+slack)
	// Closing the stream waits a second for the peer's window before it
	// resets the stream.
	for end := time.Now().Add(time.Second + slack); s.Stats().HTTP2Open != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the stream did not end")
		}
	}
}

// TestHTTP2Shutdown: shutting down sends close 1001 to WebSockets over
// HTTP/2 as to those over HTTP/1.1; a client that answers is let go at
// once, and one that does not is closed after CloseTimeout, however long
// the grace period. Shutdown then waits for net/http, which gives an
// HTTP/2 client a second after GOAWAY to close its connection.
func TestHTTP2Shutdown(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	s, addr, stop, cfg := listenTLS(t, h2Limits)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	answers := make([]*wsnet.Conn, 2)
	for i := range answers {
		c, err := wsnet.Dial(ctx, "wss://"+addr+"/", &wsnet.DialOptions{TLSConfig: cfg, HTTP2: i == 0})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		answers[i] = c
		// An echo shows the server serving the connection: shutdown
		// finds it. (Dial returns before the server has it.)
		if err := c.WriteMessage(ctx, codec.OpText, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ReadMessage(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	silent := h2Dial(t, addr, cfg)
	echoOnce(t, silent, binaryFrame(10), 10)
	silent.SetDeadline(time.Time{})
	began := time.Now()
	stopped := make(chan time.Duration, 1)
	go func() { stop(10 * time.Second); stopped <- time.Since(began) }()
	for i, c := range answers {
		var ce *wsnet.ClosedError
		if _, _, err := c.ReadMessage(ctx, nil); !errors.As(err, &ce) || ce.Code != codec.CloseGoingAway {
			t.Errorf("client %d (HTTP/2 %v) saw %v; want close 1001", i, c.HTTP2(), err)
		}
	}
	ct := h2Limits.CloseTimeout
	within(t, "silent: closed", untilClosed(t, silent, began, ct+slack), ct, ct+slack)
	within(t, "shutdown done", <-stopped, ct, ct+time.Second+slack)
	if st := s.Stats(); st.Timeouts.Close != 1 || st.HTTP2Open != 0 {
		t.Errorf("%d close timeouts, %d streams open; want 1 and 0", st.Timeouts.Close, st.HTTP2Open)
	}
}

// x509Pool returns a pool that holds cert's certificate.
func x509Pool(t testing.TB, cert tls.Certificate) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	return pool
}

// TestHTTP2Budget: a WebSocket over HTTP/2 whose message would take the
// server over its memory budget is failed with 1013 and counted, as over
// HTTP/1.1, and another one on the same HTTP/2 connection echoes on.
func TestHTTP2Budget(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	lim := h2Limits
	lim.IdleTimeout = time.Minute
	lim.MaxBuffered = 1 << 20
	s, addr, _, cfg := listenTLS(t, lim)
	tr := &http2.Transport{TLSClientConfig: cfg}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var conns [2]*wsnet.Conn
	for i := range conns {
		c, err := wsnet.Dial(ctx, "wss://"+addr+"/", &wsnet.DialOptions{HTTP2Conn: tr})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if !c.HTTP2() {
			t.Fatal("the WebSocket is not an HTTP/2 stream")
		}
		conns[i] = c
	}
	// Unfragmented and over 1 MiB, the message is reassembled in a
	// buffer the budget counts. Half of it is enough to pass the budget;
	// it goes below the Conn, whose failed write would close the
	// connection, losing the close frame not yet read, once the server's
	// end of the stream cuts it short.
	go func() {
		nc := conns[0].UnderlyingConn()
		nc.Write(codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: 3 << 20}))
		nc.Write(make([]byte, 3<<19))
	}()
	var ce *wsnet.ClosedError
	if _, _, err := conns[0].ReadMessage(ctx, nil); !errors.As(err, &ce) || ce.Code != codec.CloseTryAgainLater {
		t.Errorf("a message over the budget: %v; want close 1013", err)
	}
	if err := conns[1].WriteMessage(ctx, codec.OpText, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := conns[1].ReadMessage(ctx, nil); err != nil || string(msg) != "still here" {
		t.Errorf("the other stream: %q, %v", msg, err)
	}
	if st := s.Stats(); st.Refused.Memory != 1 || st.HTTP2 != 2 {
		t.Errorf("%d refused for memory, %d WebSockets over HTTP/2; want 1 and 2", st.Refused.Memory, st.HTTP2)
	}
}
