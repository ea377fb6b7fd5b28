package handshake

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// upgradeHandler upgrades, then echoes the first 4 bytes it reads, proving
// that bytes the client sent with its request are kept.
func upgradeHandler(t *testing.T, opts *Options) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := Upgrade(w, r, opts)
		if err != nil {
			return // Upgrade replied
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		var b [4]byte
		if _, err := io.ReadFull(rw, b[:]); err != nil {
			if err != io.EOF { // EOF: the client only wanted the reply
				t.Errorf("server read: %v", err)
			}
			return
		}
		conn.Write(b[:])
	}
}

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h) // binds 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

// wsURL turns an httptest server's URL into a WebSocket one: ws:// for
// http://, wss:// for https://.
func wsURL(srv *httptest.Server) string { return "ws" + strings.TrimPrefix(srv.URL, "http") }

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestUpgradeAndDial(t *testing.T) {
	srv := newServer(t, upgradeHandler(t, &Options{
		Protocols:  []string{"superchat", "chat"},
		Extensions: func(offer []string) string { return "x-test" },
	}))
	conn, rest, err := Dial(ctxTimeout(t), wsURL(srv)+"/chat?room=1", &DialOptions{
		Protocols: []string{"chat", "superchat"}, Extensions: "x-test; a=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cc := conn.(*ClientConn)
	if cc.Protocol() != "superchat" || cc.Extensions() != "x-test" || len(rest) != 0 {
		t.Errorf("protocol %q, extensions %q, rest %q", cc.Protocol(), cc.Extensions(), rest)
	}
	conn.Write([]byte("ping"))
	var b [4]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil || string(b[:]) != "ping" {
		t.Errorf("echo = %q, %v", b, err)
	}
}

// TestUpgradeKeepsEagerBytes sends the request and the first bytes of a
// frame in one write: Upgrade's reader must hold them.
func TestUpgradeKeepsEagerBytes(t *testing.T) {
	srv := newServer(t, upgradeHandler(t, nil))
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	req := AppendRequest(nil, srv.Listener.Addr().String(), "/", []byte(rfcKey), nil)
	c.Write(append(req, "abcd"...))
	br := bufio.NewReader(c)
	head, err := readHead(br)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ParseResponse(head, []byte(rfcKey)); err != nil {
		t.Fatalf("reply: %v\n%s", err, head)
	}
	var b [4]byte
	if _, err := io.ReadFull(br, b[:]); err != nil || string(b[:]) != "abcd" {
		t.Errorf("echo of eager bytes = %q, %v", b, err)
	}
}

func readHead(br *bufio.Reader) ([]byte, error) {
	var head []byte
	for !strings.HasSuffix(string(head), "\r\n\r\n") {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return head, err
		}
		head = append(head, line...)
	}
	return head, nil
}

// TestUpgradeRejects sends broken requests over a real connection and
// checks the status Upgrade replies with.
func TestUpgradeRejects(t *testing.T) {
	srv := newServer(t, upgradeHandler(t, nil))
	addr := srv.Listener.Addr().String()
	good := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + rfcKey + "\r\nSec-WebSocket-Version: 13\r\n"
	tests := []struct {
		name, head string
		status     string
	}{
		{"no Upgrade", strings.Replace(good, "Upgrade: websocket\r\n", "", 1), "400"},
		{"no Connection upgrade", strings.Replace(good, "Connection: Upgrade", "Connection: keep-alive", 1), "400"},
		{"bad key", strings.Replace(good, rfcKey, "short", 1), "400"},
		{"two keys", good + "Sec-WebSocket-Key: " + rfcKey + "\r\n", "400"},
		{"version 8", strings.Replace(good, "Version: 13", "Version: 8", 1), "426"},
		{"POST", strings.Replace(good, "GET", "POST", 1) + "Content-Length: 0\r\n", "400"},
		{"cross origin", good + "Origin: http://evil.example\r\n", "403"},
		{"same origin", good + "Origin: http://" + addr + "\r\n", "101"},
		{"no origin", good, "101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			c.Write([]byte(tt.head + "\r\n"))
			br := bufio.NewReader(c)
			head, err := readHead(br)
			if err != nil {
				t.Fatalf("reading reply: %v (%q)", err, head)
			}
			if got := strings.Fields(string(head))[1]; got != tt.status {
				t.Fatalf("status %s; want %s\n%s", got, tt.status, head)
			}
			if tt.status == "426" && !strings.Contains(string(head), "Sec-Websocket-Version: 13") {
				t.Errorf("426 without the version header:\n%s", head)
			}
		})
	}
}

func TestDialErrors(t *testing.T) {
	plain := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no websockets here", http.StatusNotFound)
	}))
	_, _, err := Dial(ctxTimeout(t), wsURL(plain), nil)
	if !errors.Is(err, ErrStatus) || !strings.Contains(err.Error(), "404") {
		t.Errorf("Dial to a plain HTTP server: %v; want ErrStatus with 404", err)
	}
	// A server that picks a subprotocol nobody offered.
	rogue := newServer(t, upgradeHandler(t, &Options{Protocols: []string{"chat"}}))
	if _, _, err := Dial(ctxTimeout(t), wsURL(rogue), &DialOptions{Protocols: []string{"other"}}); err != nil {
		t.Errorf("Dial with an unanswered offer: %v", err) // server declines: fine
	}
	for _, u := range []string{"http://127.0.0.1:1/", "ws:///nohost", "::bad"} {
		if _, _, err := Dial(ctxTimeout(t), u, nil); err == nil {
			t.Errorf("Dial(%q) succeeded", u)
		}
	}
	// A server that accepts the connection and never answers: ctx ends it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, _, err := Dial(ctx, "ws://"+ln.Addr().String()+"/", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Dial to a silent server: %v; want DeadlineExceeded", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("Dial did not stop at the context deadline")
	}
}

func TestDialTLS(t *testing.T) {
	srv := httptest.NewTLSServer(upgradeHandler(t, nil))
	defer srv.Close()
	cfg := srv.Client().Transport.(*http.Transport).TLSClientConfig
	conn, _, err := Dial(ctxTimeout(t), "wss"+strings.TrimPrefix(srv.URL, "https"), &DialOptions{TLSConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, ok := conn.(*ClientConn).Conn.(*tls.Conn); !ok {
		t.Errorf("wss:// connection is not TLS")
	}
	conn.Write([]byte("tls!"))
	var b [4]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil || string(b[:]) != "tls!" {
		t.Errorf("echo over TLS = %q, %v", b, err)
	}
}

func TestSelectProtocol(t *testing.T) {
	for _, tt := range []struct {
		offered, supported []string
		want               string
	}{
		{[]string{"chat, superchat"}, []string{"superchat", "chat"}, "superchat"},
		{[]string{"chat", "superchat"}, []string{"x", "chat"}, "chat"},
		{[]string{"chat"}, []string{"Chat"}, ""},
		{nil, []string{"chat"}, ""},
	} {
		if got := SelectProtocol(tt.offered, tt.supported); got != tt.want {
			t.Errorf("SelectProtocol(%q, %q) = %q; want %q", tt.offered, tt.supported, got, tt.want)
		}
	}
}

func TestRequestSelectProtocol(t *testing.T) {
	req, _, err := ParseRequest([]byte(edit("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: superchat, x\r\n\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		supported []string
		want      string
	}{{[]string{"superchat", "chat"}, "superchat"}, {[]string{"y", "x"}, "x"}, {[]string{"Chat"}, ""}, {nil, ""}} {
		if got := req.SelectProtocol(tt.supported); got != tt.want {
			t.Errorf("SelectProtocol(%q) = %q; want %q", tt.supported, got, tt.want)
		}
	}
}

func TestSameOrigin(t *testing.T) {
	for origin, want := range map[string]bool{
		"":                           true,
		"http://example.com":         true,
		"https://EXAMPLE.com":        true,
		"http://example.com:8080":    false,
		"http://evil.com":            false,
		"null":                       false,
		"http://example.com.evil.io": false,
	} {
		r := httptest.NewRequest("GET", "http://example.com/", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if got := SameOrigin(r); got != want {
			t.Errorf("SameOrigin(%q) = %v; want %v", origin, got, want)
		}
	}
}
