package handshake

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/wsframe/wsframe/internal/testenv"
)

// newH2Server starts a TLS server on loopback that speaks HTTP/2 and
// HTTP/1.1, and returns it with the TLS configuration that trusts it.
// connState, when not nil, is the server's ConnState hook.
func newH2Server(t *testing.T, h http.Handler, connState ...func(net.Conn, http.ConnState)) (*httptest.Server, *tls.Config) {
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	for _, f := range connState {
		srv.Config.ConnState = f
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, srv.Client().Transport.(*http.Transport).TLSClientConfig
}

// h2Transport returns an x/net/http2 client for srv, which the caller
// closes.
func h2Transport(t *testing.T, cfg *tls.Config) *http2.Transport {
	tr := &http2.Transport{TLSClientConfig: cfg}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func TestHTTP2UpgradeAndDial(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	var proto atomic.Value
	srv, cfg := newH2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		upgradeHandler(t, &Options{
			Protocols:  []string{"superchat", "chat"},
			Extensions: func(offer []string) string { return "x-test" },
			Header:     http.Header{"X-Server": {"wsframe"}},
		})(w, r)
	}))
	conn, rest, err := Dial(ctxTimeout(t), wsURL(srv)+"/chat?room=1", &DialOptions{
		TLSConfig: cfg, HTTP2: true,
		Protocols: []string{"chat", "superchat"}, Extensions: "x-test; a=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := conn.(*ClientConn)
	if !c.HTTP2() || proto.Load() != "HTTP/2.0" {
		t.Fatalf("HTTP2() = %v, server saw %v; want an HTTP/2 stream", c.HTTP2(), proto.Load())
	}
	if c.Protocol() != "superchat" || c.Extensions() != "x-test" || c.Header().Get("X-Server") != "wsframe" || len(rest) != 0 {
		t.Errorf("protocol %q, extensions %q, header %v, rest %q", c.Protocol(), c.Extensions(), c.Header(), rest)
	}
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil || string(b[:]) != "ping" {
		t.Fatalf("echo over HTTP/2 = %q, %v", b, err)
	}
	// The handler closed its end and returned: the stream ended.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := conn.Read(b[:]); err != io.EOF {
		t.Errorf("read after the server closed = %d, %v; want EOF", n, err)
	}
}

// TestHTTP2Deadlines checks that a deadline interrupts a read and a
// write on a stream without harming it, as on TCP.
func TestHTTP2Deadlines(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	release := make(chan struct{})
	srv, cfg := newH2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		<-release // read nothing until the client's write timed out
		io.Copy(conn, conn)
	}))
	conn, _, err := Dial(ctxTimeout(t), wsURL(srv), &DialOptions{TLSConfig: cfg, HTTP2: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	var b [8]byte
	if _, err := conn.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past its deadline: %v", err)
	}
	// The flow-control windows (64 KiB each way by default, and more
	// in the pumps' buffers) fill up; the write then blocks until its
	// deadline.
	big := make([]byte, 8<<20)
	conn.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	n, err := conn.Write(big)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n == len(big) {
		t.Fatalf("write to a server that does not read = %d, %v; want a timeout", n, err)
	}
	close(release)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	go conn.Write(big[n:]) // the rest of the bytes, after the ones taken
	got, err := io.ReadFull(conn, make([]byte, len(big)))
	if err != nil || got != len(big) {
		t.Fatalf("echo after the timeouts: %d bytes, %v", got, err)
	}
}

func TestHTTP2Rejects(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	srv, cfg := newH2Server(t, upgradeHandler(t, nil))
	client := &http.Client{Transport: h2Transport(t, cfg)}
	for _, tt := range []struct {
		name   string
		method string
		header http.Header
		status int
	}{
		{"GET", "GET", nil, 400},
		{"no :protocol", "POST", http.Header{"Sec-WebSocket-Version": {"13"}}, 400},
		{"version 8", "CONNECT", http.Header{":protocol": {"websocket"}, "Sec-WebSocket-Version": {"8"}}, 426},
		{"no version", "CONNECT", http.Header{":protocol": {"websocket"}}, 426},
		{"other protocol", "CONNECT", http.Header{":protocol": {"webtransport"}, "Sec-WebSocket-Version": {"13"}}, 400},
		{"foreign origin", "CONNECT", http.Header{":protocol": {"websocket"}, "Sec-WebSocket-Version": {"13"}, "Origin": {"https://evil.example"}}, 403},
		{"bad protocols", "CONNECT", http.Header{":protocol": {"websocket"}, "Sec-WebSocket-Version": {"13"}, "Sec-WebSocket-Protocol": {"a b"}}, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(ctxTimeout(t), tt.method, srv.URL+"/", nil)
			if tt.header != nil {
				req.Header = tt.header
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.ProtoMajor != 2 {
				t.Errorf("%s: %s; want %d over HTTP/2", tt.name, resp.Status, tt.status)
			}
			if tt.status == 426 && resp.Header.Get("Sec-WebSocket-Version") != "13" {
				t.Errorf("426 without Sec-WebSocket-Version: 13: %v", resp.Header)
			}
		})
	}
}

// TestHTTP2SharedConn opens two WebSockets as streams of one HTTP/2
// connection that also carries an ordinary request.
func TestHTTP2SharedConn(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	var conns atomic.Int32
	srv, cfg := newH2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/page" {
			io.WriteString(w, "page")
			return
		}
		upgradeHandler(t, nil)(w, r)
	}), func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	})
	tr := h2Transport(t, cfg)
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL + "/page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for i := range 2 {
		conn, _, err := Dial(ctxTimeout(t), wsURL(srv)+"/ws", &DialOptions{HTTP2Conn: tr})
		if err != nil {
			t.Fatal(err)
		}
		msg := []byte{'w', 's', '0' + byte(i), '!'}
		conn.Write(msg)
		var b [4]byte
		if _, err := io.ReadFull(conn, b[:]); err != nil || string(b[:]) != string(msg) {
			t.Errorf("echo on stream %d = %q, %v", i, b, err)
		}
		if !conn.(*ClientConn).HTTP2() {
			t.Errorf("WebSocket %d is not an HTTP/2 stream", i)
		}
		conn.Close()
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d TCP connections; want one, shared", n)
	}
}

// TestHTTP1WithH2Config dials without HTTP2 but with a TLS configuration
// that offers h2, as one shared with an HTTP/2 client does: the WebSocket
// is an HTTP/1.1 connection all the same.
func TestHTTP1WithH2Config(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	srv, cfg := newH2Server(t, upgradeHandler(t, nil))
	cfg = cfg.Clone()
	cfg.NextProtos = []string{"h2", "http/1.1"}
	dialEchoOver(t, srv, &DialOptions{TLSConfig: cfg}, false)
}

// TestHTTP2Fallback dials with HTTP2 servers that cannot take a WebSocket
// over HTTP/2, and gets one over HTTP/1.1.
func TestHTTP2Fallback(t *testing.T) {
	t.Run("http/1.1 only", func(t *testing.T) {
		srv := httptest.NewTLSServer(upgradeHandler(t, nil))
		t.Cleanup(srv.Close)
		cfg := srv.Client().Transport.(*http.Transport).TLSClientConfig
		dialEchoOver(t, srv, &DialOptions{TLSConfig: cfg, HTTP2: true}, false)
	})
	t.Run("h2 without extended CONNECT", func(t *testing.T) {
		if HTTP2Enabled() {
			t.Skip("this process's servers accept extended CONNECT: GODEBUG has http2xconnect=1")
		}
		srv, cfg := newH2Server(t, upgradeHandler(t, nil))
		dialEchoOver(t, srv, &DialOptions{TLSConfig: cfg, HTTP2: true}, false)
		// The caller's HTTP/2 connection cannot carry it either.
		dialEchoOver(t, srv, &DialOptions{TLSConfig: cfg, HTTP2Conn: h2Transport(t, cfg)}, false)
	})
}

// dialEchoOver dials srv with opts, checks that the WebSocket is an
// HTTP/2 stream or not as want says, and that bytes come back.
func dialEchoOver(t *testing.T, srv *httptest.Server, opts *DialOptions, want bool) {
	t.Helper()
	conn, _, err := Dial(ctxTimeout(t), wsURL(srv), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := conn.(*ClientConn).HTTP2(); got != want {
		t.Errorf("HTTP2() = %v; want %v", got, want)
	}
	conn.Write([]byte("back"))
	var b [4]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil || string(b[:]) != "back" {
		t.Errorf("echo = %q, %v", b, err)
	}
}

func TestHTTP2DialErrors(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	srv, cfg := newH2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/forbidden":
			http.Error(w, "no", http.StatusForbidden)
		case "/protocol":
			w.Header().Set("Sec-WebSocket-Protocol", "other")
			w.WriteHeader(200)
		case "/extension":
			w.Header().Set("Sec-WebSocket-Extensions", "x-other")
			w.WriteHeader(200)
		}
	}))
	for path, want := range map[string]error{
		"/forbidden": ErrStatus,
		"/protocol":  ErrProtocolNotOffered,
		"/extension": ErrExtensionNotOffered,
	} {
		_, _, err := Dial(ctxTimeout(t), wsURL(srv)+path, &DialOptions{TLSConfig: cfg, HTTP2: true, Protocols: []string{"chat"}})
		if !errors.Is(err, want) {
			t.Errorf("%s: %v; want %v", path, err, want)
		}
	}
}

// TestHTTP2Enabled checks that HTTP2Enabled says what net/http does: a
// client gets a WebSocket over HTTP/2 exactly when it reports true. It
// runs in this process and in one started with http2xconnect=1.
func TestHTTP2Enabled(t *testing.T) {
	srv, cfg := newH2Server(t, upgradeHandler(t, nil))
	dialEchoOver(t, srv, &DialOptions{TLSConfig: cfg, HTTP2: true}, HTTP2Enabled())
	if !HTTP2Enabled() {
		testenv.HTTP2(t)
	}
}

// TestHTTP2ServerTimeouts checks that a WebSocket over HTTP/2 outlives
// the server's ReadTimeout and WriteTimeout, which net/http applies to
// each stream as it does to a request, as a hijacked connection outlives
// them over HTTP/1.1.
func TestHTTP2ServerTimeouts(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		io.Copy(conn, conn)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ReadTimeout = 100 * time.Millisecond
	srv.Config.WriteTimeout = 100 * time.Millisecond
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg := srv.Client().Transport.(*http.Transport).TLSClientConfig
	conn, _, err := Dial(ctxTimeout(t), wsURL(srv), &DialOptions{TLSConfig: cfg, HTTP2: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(300 * time.Millisecond)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("late"))
	var b [4]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil || string(b[:]) != "late" {
		t.Errorf("echo after the server's timeouts = %q, %v", b, err)
	}
}

// TestHTTP2CloseAfterReset: when the server ends a stream while the
// client's writes wait for flow control, closing the client's end does
// not wait for bytes that can no longer be sent.
func TestHTTP2CloseAfterReset(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	srv, cfg := newH2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		time.Sleep(100 * time.Millisecond) // for the client's writes to fill the windows
		conn.Write([]byte("bye"))          // and read nothing
	}))
	conn, _, err := Dial(ctxTimeout(t), wsURL(srv), &DialOptions{TLSConfig: cfg, HTTP2: true})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	go conn.Write(make([]byte, 8<<20)) // more than the windows take
	var b [3]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(b[:]); err != io.EOF {
		t.Fatalf("read after the server ended the stream: %v; want EOF", err)
	}
	start := time.Now()
	conn.Close()
	if d := time.Since(start); d > streamLinger/2 {
		t.Errorf("Close took %v after the server ended the stream", d)
	}
}
