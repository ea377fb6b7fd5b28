package handshake

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/testenv"
)

// The tests here run Dial through real proxies where Debian packages one
// (tinyproxy for HTTP CONNECT, microsocks for SOCKS5; each test skips
// when its program is missing) and through proxies written below, for
// what those cannot do: TLS to the proxy, a name only the proxy knows,
// and proxies that refuse, close early or never answer. Everything listens
// on 127.0.0.1, and every connection has a deadline.

// --- The WebSocket server behind the proxies ---

// wsEchoServer upgrades, reads one message and answers "echo: " and the
// message, in frames made with package codec. It reports nothing through
// t: a hijacked connection can outlive the test that made it.
func wsEchoServer(t *testing.T, secure bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		msg, err := readMessage(&codec.Decoder{Role: codec.RoleServer}, rw.Reader, nil)
		if err != nil {
			return
		}
		enc := codec.Encoder{Role: codec.RoleServer}
		out, _ := enc.AppendMessage(nil, codec.OpText, append([]byte("echo: "), msg...))
		conn.Write(out)
	})
	srv := httptest.NewUnstartedServer(h) // binds 127.0.0.1
	if secure {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

// readMessage decodes one data message from pre and then r.
func readMessage(dec *codec.Decoder, r io.Reader, pre []byte) ([]byte, error) {
	var msg []byte
	buf := make([]byte, 4096)
	for p := pre; ; {
		for len(p) > 0 {
			var ev codec.Event
			n, err := dec.Next(p, &ev)
			if err != nil {
				return nil, err
			}
			p = p[n:]
			if ev.Kind == codec.EventData {
				msg = append(msg, ev.Payload...)
				if ev.End {
					return msg, nil
				}
			}
		}
		n, err := r.Read(buf)
		if n == 0 && err != nil {
			return nil, err
		}
		p = buf[:n]
	}
}

// dialEcho dials rawURL with opts, sends a message and checks the echo.
func dialEcho(t *testing.T, rawURL string, opts *DialOptions) {
	t.Helper()
	conn, rest, err := Dial(ctxTimeout(t), rawURL, opts)
	if err != nil {
		t.Fatalf("Dial(%s): %v", rawURL, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	enc := codec.Encoder{Role: codec.RoleClient}
	out, _ := enc.AppendMessage(nil, codec.OpText, []byte("through the proxy"))
	if _, err := conn.Write(out); err != nil {
		t.Fatal(err)
	}
	got, err := readMessage(&codec.Decoder{Role: codec.RoleClient}, conn, rest)
	if err != nil || string(got) != "echo: through the proxy" {
		t.Fatalf("echo = %q, %v", got, err)
	}
}

func serverPort(srv *httptest.Server) string {
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

// dialLog is a net.Dialer that notes the addresses Dial connects to, to
// show that it went to the proxy and not to the server.
type dialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (d *dialLog) dialer() *net.Dialer {
	return &net.Dialer{Control: func(network, address string, _ syscall.RawConn) error {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.addrs = append(d.addrs, address)
		return nil
	}}
}

func (d *dialLog) check(t *testing.T, want string) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.addrs) != 1 || d.addrs[0] != want {
		t.Errorf("Dial connected to %q, want only the proxy %s", d.addrs, want)
	}
}

// --- Real proxies: tinyproxy and microsocks ---

// freePort returns a loopback port that was free a moment ago, for a
// program that takes its port on the command line or in its config.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// waitFor polls ready until it holds, failing t if p exits first or 10
// seconds pass.
func waitFor(t *testing.T, p *testenv.Proc, what string, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ready() {
		select {
		case <-p.Exited():
			t.Fatalf("%s exited before %s: %v\n%s", p.Cmd.Path, what, p.Err(), p.Stderr())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %s in 10s", p.Cmd.Path, what)
		}
	}
}

// startTinyproxy runs tinyproxy on a loopback port, allowing CONNECT to
// targetPort only, with extra config lines. It returns the proxy's
// address and a function that reads its log.
func startTinyproxy(t *testing.T, targetPort string, extra ...string) (string, func() string) {
	t.Helper()
	bin := testenv.NeedCommand(t, "tinyproxy", "apt-get install tinyproxy")
	dir := t.TempDir()
	port := freePort(t)
	logPath := filepath.Join(dir, "tinyproxy.log")
	conf := fmt.Sprintf("Port %s\nListen 127.0.0.1\nAllow 127.0.0.1\nLogFile %q\nLogLevel Info\n"+
		"MaxClients 16\nTimeout 10\nConnectPort %s\n%s\n", port, logPath, targetPort, strings.Join(extra, "\n"))
	confPath := filepath.Join(dir, "tinyproxy.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p := testenv.Start(t, nil, bin, "-d", "-c", confPath)
	readLog := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	waitFor(t, p, "listening", func() bool { return strings.Contains(readLog(), "Accepting connections") })
	return net.JoinHostPort("127.0.0.1", port), readLog
}

// startMicrosocks runs microsocks on a loopback port with extra
// arguments and returns its address and process.
func startMicrosocks(t *testing.T, args ...string) (string, *testenv.Proc) {
	t.Helper()
	bin := testenv.NeedCommand(t, "microsocks", "apt-get install microsocks")
	addr := net.JoinHostPort("127.0.0.1", freePort(t))
	_, port, _ := net.SplitHostPort(addr)
	p := testenv.Start(t, nil, bin, append([]string{"-i", "127.0.0.1", "-p", port}, args...)...)
	waitFor(t, p, "listening", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return addr, p
}

func TestProxyTinyproxy(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("secure=%v", secure), func(t *testing.T) {
			srv := wsEchoServer(t, secure)
			proxyAddr, readLog := startTinyproxy(t, serverPort(srv))
			var dl dialLog
			opts := &DialOptions{Proxy: http.ProxyURL(&url.URL{Scheme: "http", Host: proxyAddr}), Dialer: dl.dialer()}
			target := wsURL(srv)
			if secure {
				opts.TLSConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
			}
			dialEcho(t, target, opts)
			dl.check(t, proxyAddr)
			if want := "CONNECT " + srv.Listener.Addr().String(); !strings.Contains(readLog(), want) {
				t.Errorf("tinyproxy's log does not mention %q:\n%s", want, readLog())
			}
		})
	}
}

func TestProxyTinyproxyAuth(t *testing.T) {
	srv := wsEchoServer(t, false)
	proxyAddr, _ := startTinyproxy(t, serverPort(srv), "BasicAuth alice s3cret")
	dialEcho(t, wsURL(srv), &DialOptions{Proxy: http.ProxyURL(&url.URL{
		Scheme: "http", Host: proxyAddr, User: url.UserPassword("alice", "s3cret")})})
	for _, tt := range []struct {
		user *url.Userinfo
		want string
	}{
		{nil, "handshake: proxy: CONNECT refused: HTTP/1.0 407 Proxy Authentication Required"},
		// tinyproxy 1.11 answers a wrong password with 401, not 407.
		{url.UserPassword("alice", "wrong"), "handshake: proxy: CONNECT refused: HTTP/1.0 401"},
	} {
		_, _, err := Dial(ctxTimeout(t), wsURL(srv), &DialOptions{Proxy: http.ProxyURL(&url.URL{
			Scheme: "http", Host: proxyAddr, User: tt.user})})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("user %v: Dial = %v; want %q", tt.user, err, tt.want)
		}
	}
}

func TestProxyMicrosocks(t *testing.T) {
	srv := wsEchoServer(t, false)
	proxyAddr, p := startMicrosocks(t)
	for _, scheme := range []string{"socks5", "socks5h"} {
		var dl dialLog
		dialEcho(t, wsURL(srv), &DialOptions{
			Proxy: http.ProxyURL(&url.URL{Scheme: scheme, Host: proxyAddr}), Dialer: dl.dialer()})
		dl.check(t, proxyAddr)
	}
	want := "connected to " + srv.Listener.Addr().String()
	waitFor(t, p, "log of the connection", func() bool { return strings.Count(p.Stderr(), want) == 2 })
}

func TestProxyMicrosocksAuth(t *testing.T) {
	srv := wsEchoServer(t, true)
	proxyAddr, _ := startMicrosocks(t, "-u", "bob", "-P", "hunter2")
	opts := &DialOptions{TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig}
	target := wsURL(srv)
	opts.Proxy = http.ProxyURL(&url.URL{Scheme: "socks5", Host: proxyAddr, User: url.UserPassword("bob", "hunter2")})
	dialEcho(t, target, opts)
	for _, tt := range []struct {
		user *url.Userinfo
		want string
	}{
		{url.UserPassword("bob", "wrong"), "handshake: proxy: SOCKS5 authentication failed"},
		{nil, "handshake: proxy: SOCKS5 proxy accepts none of the offered authentication methods"},
	} {
		opts.Proxy = http.ProxyURL(&url.URL{Scheme: "socks5", Host: proxyAddr, User: tt.user})
		if _, _, err := Dial(ctxTimeout(t), target, opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("user %v: Dial = %v; want %q", tt.user, err, tt.want)
		}
	}
}

// --- Proxies written here ---

// serve runs handle on each connection to a new loopback listener, with a
// 10-second deadline, until the test ends; then it closes the listener
// and the connections and waits for the handlers.
func serve(t *testing.T, handle func(c net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				handle(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// relay copies between the client c, whose first bytes may be in br, and
// a connection to addr, until either side ends.
func relay(c net.Conn, br *bufio.Reader, target net.Conn) {
	defer target.Close()
	target.SetDeadline(time.Now().Add(10 * time.Second))
	done := make(chan struct{})
	go func() {
		io.Copy(c, target)
		c.Close()
		close(done)
	}()
	io.Copy(target, br)
	target.Close()
	<-done
}

// connectProxy is an HTTP CONNECT proxy, over TLS when tls is set.
type connectProxy struct {
	tls      *tls.Config
	auth     string            // the Proxy-Authorization it demands, if any
	status   int               // the status it refuses every request with, if any
	names    map[string]string // addresses it resolves itself, as a proxy's DNS would
	connects atomic.Int32
	mu       sync.Mutex
	targets  []string
}

// seen returns the targets asked for so far. (The network orders the
// proxy's notes before the test reads them, but the race detector cannot
// see that.)
func (p *connectProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.targets)
}

func (p *connectProxy) handle(c net.Conn) {
	if p.tls != nil {
		c = tls.Server(c, p.tls)
	}
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil || req.Method != http.MethodConnect {
		return
	}
	p.connects.Add(1)
	p.mu.Lock()
	p.targets = append(p.targets, req.Host)
	p.mu.Unlock()
	switch {
	case p.auth != "" && req.Header.Get("Proxy-Authorization") != p.auth:
		io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\nContent-Length: 0\r\n\r\n")
		return
	case p.status != 0:
		fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n", p.status, http.StatusText(p.status))
		return
	}
	addr := req.Host
	if a, ok := p.names[addr]; ok {
		addr = a
	}
	target, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	relay(c, br, target)
}

// socksServer is a SOCKS5 proxy (RFC 1928, with RFC 1929 when user is
// set) that notes the destinations it is asked for.
type socksServer struct {
	user, pass string
	rep        byte              // the reply code it refuses with, if any
	names      map[string]string // addresses it resolves itself
	mu         sync.Mutex
	asked      []string // address type and destination of each CONNECT
}

func (s *socksServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.asked)
}

func (s *socksServer) handle(c net.Conn) {
	br := bufio.NewReader(c)
	b := make([]byte, 512)
	read := func(n int) []byte {
		if _, err := io.ReadFull(br, b[:n]); err != nil {
			return nil
		}
		return b[:n]
	}
	h := read(2)
	if h == nil || h[0] != 5 {
		return
	}
	method := byte(0)
	if s.user != "" {
		method = 2
	}
	if m := read(int(h[1])); m == nil || bytes.IndexByte(m, method) < 0 {
		c.Write([]byte{5, 0xff})
		return
	}
	c.Write([]byte{5, method})
	if method == 2 && !s.authenticate(c, read) {
		return
	}
	dest := s.request(read)
	if dest == "" {
		return
	}
	if s.rep != 0 {
		c.Write([]byte{5, s.rep, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	if a, ok := s.names[dest]; ok {
		dest = a
	}
	target, err := net.DialTimeout("tcp", dest, 5*time.Second)
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	// Give the bound address as a name, to try that form of the reply.
	c.Write(append([]byte{5, 0, 0, 3, 10}, "proxy.test\x04\x38"...))
	relay(c, br, target)
}

func (s *socksServer) authenticate(c net.Conn, read func(int) []byte) bool {
	h := read(2)
	if h == nil {
		return false
	}
	user := string(read(int(h[1])))
	n := read(1)
	if n == nil {
		return false
	}
	pass := string(read(int(n[0])))
	ok := user == s.user && pass == s.pass
	if !ok {
		c.Write([]byte{1, 1})
		return false
	}
	c.Write([]byte{1, 0})
	return true
}

// request reads a CONNECT request, notes it and returns its destination.
func (s *socksServer) request(read func(int) []byte) string {
	h := read(4)
	if h == nil || h[1] != 1 {
		return ""
	}
	atyp := h[3]
	var host string
	switch atyp {
	case 1, 4:
		a, _ := netip.AddrFromSlice(read(map[byte]int{1: 4, 4: 16}[atyp]))
		host = a.String()
	case 3:
		n := read(1)
		if n == nil {
			return ""
		}
		host = string(read(int(n[0])))
	}
	port := read(2)
	if port == nil {
		return ""
	}
	dest := net.JoinHostPort(host, fmt.Sprint(binary.BigEndian.Uint16(port)))
	s.mu.Lock()
	s.asked = append(s.asked, fmt.Sprintf("%d %s", atyp, dest))
	s.mu.Unlock()
	return dest
}

var testCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "wsframe test proxy"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
})

// proxyTLS returns the TLS configurations of the HTTPS proxy and of a
// client that trusts its self-signed certificate.
func proxyTLS(t *testing.T) (server, client *tls.Config) {
	cert, err := testCert()
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Config{Certificates: []tls.Certificate{cert}}, &tls.Config{RootCAs: pool}
}

func TestProxyHTTPS(t *testing.T) {
	serverTLS, clientTLS := proxyTLS(t)
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("secure=%v", secure), func(t *testing.T) {
			srv := wsEchoServer(t, secure)
			p := &connectProxy{tls: serverTLS, auth: "Basic YWxpY2U6czNjcmV0"} // alice:s3cret
			proxyAddr := serve(t, p.handle)
			var dl dialLog
			opts := &DialOptions{Dialer: dl.dialer(), ProxyTLSConfig: clientTLS, Proxy: http.ProxyURL(&url.URL{
				Scheme: "https", Host: proxyAddr, User: url.UserPassword("alice", "s3cret")})}
			target := wsURL(srv)
			if secure {
				opts.TLSConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
			}
			dialEcho(t, target, opts)
			dl.check(t, proxyAddr)
			if n, seen := p.connects.Load(), p.seen(); n != 1 || seen[0] != srv.Listener.Addr().String() {
				t.Errorf("proxy saw %d CONNECTs to %q", n, seen)
			}
			// Without ProxyTLSConfig the proxy's certificate is unknown.
			opts.ProxyTLSConfig = nil
			_, _, err := Dial(ctxTimeout(t), target, opts)
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &unknown) || !strings.HasPrefix(err.Error(), "handshake: proxy: TLS: ") {
				t.Errorf("Dial trusting the default roots: %v; want an unknown authority", err)
			}
		})
	}
}

// TestProxyNames sends a name that only the proxy can resolve, over each
// kind of proxy: for socks5 as for socks5h, and for wss:// with the
// name checked against the server's certificate through the tunnel.
func TestProxyNames(t *testing.T) {
	srv := wsEchoServer(t, true)
	target := "wss://example.com:" + serverPort(srv) + "/" // httptest's certificate names example.com
	names := map[string]string{"example.com:" + serverPort(srv): srv.Listener.Addr().String()}
	opts := &DialOptions{TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig}
	for _, scheme := range []string{"socks5", "socks5h"} {
		s := &socksServer{names: names}
		opts.Proxy = http.ProxyURL(&url.URL{Scheme: scheme, Host: serve(t, s.handle)})
		dialEcho(t, target, opts)
		if want, seen := "3 example.com:"+serverPort(srv), s.seen(); len(seen) != 1 || seen[0] != want {
			t.Errorf("%s: proxy was asked for %q, want %q", scheme, seen, want)
		}
	}
	p := &connectProxy{names: names}
	opts.Proxy = http.ProxyURL(&url.URL{Scheme: "http", Host: serve(t, p.handle)})
	dialEcho(t, target, opts)
	if seen := p.seen(); len(seen) != 1 || seen[0] != "example.com:"+serverPort(srv) {
		t.Errorf("CONNECT proxy was asked for %q", seen)
	}
	// An IP literal goes as an address.
	s := &socksServer{}
	opts.Proxy = http.ProxyURL(&url.URL{Scheme: "socks5h", Host: serve(t, s.handle)})
	dialEcho(t, "wss"+strings.TrimPrefix(srv.URL, "https"), opts)
	if want, seen := "1 "+srv.Listener.Addr().String(), s.seen(); len(seen) != 1 || seen[0] != want {
		t.Errorf("proxy was asked for %q, want %q", seen, want)
	}
}

// TestProxyRefusals runs Dial against proxies that say no, close early or
// never answer, and checks the error it returns.
func TestProxyRefusals(t *testing.T) {
	srv := wsEchoServer(t, false)
	closeEarly := func(n int) func(net.Conn) {
		return func(c net.Conn) { c.Read(make([]byte, n)) }
	}
	silent := func(c net.Conn) { io.Copy(io.Discard, c) }
	tests := []struct {
		name, scheme string
		user         *url.Userinfo
		handle       func(net.Conn)
		want         string
	}{
		{"407", "http", nil, (&connectProxy{auth: "Basic eDp5"}).handle,
			"handshake: proxy: CONNECT refused: HTTP/1.1 407 Proxy Authentication Required"},
		{"403", "http", url.UserPassword("x", "y"), (&connectProxy{status: 403}).handle,
			"handshake: proxy: CONNECT refused: HTTP/1.1 403 Forbidden"},
		{"502", "http", nil, (&connectProxy{names: map[string]string{srv.Listener.Addr().String(): "127.0.0.1:1"}}).handle,
			"handshake: proxy: CONNECT refused: HTTP/1.1 502 Bad Gateway"},
		{"http closes", "http", nil, closeEarly(4096), "handshake: proxy: reading the CONNECT reply: unexpected EOF"},
		{"socks auth", "socks5", url.UserPassword("u", "bad"), (&socksServer{user: "u", pass: "p"}).handle,
			"handshake: proxy: SOCKS5 authentication failed (status 1)"},
		{"socks no auth", "socks5", nil, (&socksServer{user: "u", pass: "p"}).handle,
			"handshake: proxy: SOCKS5 proxy accepts none of the offered authentication methods"},
		{"socks refused", "socks5h", nil, (&socksServer{rep: 5}).handle,
			"handshake: proxy: SOCKS5 CONNECT failed: connection refused (5)"},
		{"socks rules", "socks5h", nil, (&socksServer{rep: 2}).handle,
			"handshake: proxy: SOCKS5 CONNECT failed: connection not allowed by ruleset (2)"},
		{"socks closes", "socks5", nil, closeEarly(3), "handshake: proxy: reading the SOCKS5 reply: EOF"},
		{"not http", "http", nil, func(c net.Conn) { io.WriteString(c, "SSH-2.0-OpenSSH_9.2\r\n") },
			`handshake: proxy: malformed CONNECT reply "SSH-2.0-OpenSSH_9.2"`},
		{"http silent", "http", nil, silent, "context deadline exceeded"},
		{"https silent", "https", nil, silent, "context deadline exceeded"},
		{"socks silent", "socks5", nil, silent, "context deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			proxy := &url.URL{Scheme: tt.scheme, Host: serve(t, tt.handle), User: tt.user}
			start := time.Now()
			_, _, err := Dial(ctx, wsURL(srv), &DialOptions{Proxy: http.ProxyURL(proxy)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Dial = %v; want %q", err, tt.want)
			}
			if strings.Contains(tt.want, "deadline") && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Dial = %v; want DeadlineExceeded", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Dial took %v", d)
			}
		})
	}
}

// TestProxyOptions checks what Dial does with Proxy's answer before any
// byte goes to a proxy.
func TestProxyOptions(t *testing.T) {
	srv := wsEchoServer(t, false)
	for _, tt := range []struct {
		proxy func(*http.Request) (*url.URL, error)
		want  string
	}{
		{func(*http.Request) (*url.URL, error) { return nil, errors.New("no route") }, "handshake: proxy: no route"},
		{http.ProxyURL(&url.URL{Scheme: "ftp", Host: "127.0.0.1:21"}), `handshake: proxy: scheme "ftp" is not`},
		{http.ProxyURL(&url.URL{Scheme: "http"}), "handshake: proxy: URL has no host"},
		{http.ProxyURL(&url.URL{Scheme: "http", Host: "127.0.0.1:1"}), "handshake: proxy: dial tcp 127.0.0.1:1"},
		{http.ProxyURL(&url.URL{Scheme: "socks5", Host: "127.0.0.1:1"}), "handshake: proxy: dial tcp 127.0.0.1:1"},
	} {
		if _, _, err := Dial(ctxTimeout(t), wsURL(srv), &DialOptions{Proxy: tt.proxy}); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Dial = %v; want %q", err, tt.want)
		}
	}
	dialEcho(t, wsURL(srv), &DialOptions{Proxy: NoProxy})
}

// TestProxyRequest checks the request Dial gives DialOptions.Proxy. With
// Proxy nil that is http.ProxyFromEnvironment, whose choice of
// HTTP_PROXY or HTTPS_PROXY follows the request's scheme. The environment
// itself is not tested through Dial: net/http reads it once per process,
// so t.Setenv comes too late, and it never proxies 127.0.0.1, where the
// test servers are.
func TestProxyRequest(t *testing.T) {
	for _, tt := range []struct{ url, scheme, host string }{
		{"ws://example.com/chat?x=1", "http", "example.com"},
		{"wss://example.com/", "https", "example.com"},
		{"ws://example.com:8080/", "http", "example.com:8080"},
		{"wss://[::1]:8443/a", "https", "[::1]:8443"},
	} {
		u, _ := url.Parse(tt.url)
		r := proxyRequest(u, u.Scheme == "wss")
		if r.URL.Scheme != tt.scheme || r.URL.Host != tt.host || r.Host != tt.host || r.Method != "GET" {
			t.Errorf("%s: request %s %s://%s (Host %s)", tt.url, r.Method, r.URL.Scheme, r.URL.Host, r.Host)
		}
	}
	// Through Dial, for both schemes.
	for _, secure := range []bool{false, true} {
		srv := wsEchoServer(t, secure)
		var got *url.URL
		opts := &DialOptions{Proxy: func(r *http.Request) (*url.URL, error) { got = r.URL; return nil, nil }}
		target := wsURL(srv)
		if secure {
			opts.TLSConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
		}
		dialEcho(t, target+"/path", opts)
		want := map[bool]string{false: "http://", true: "https://"}[secure] + srv.Listener.Addr().String() + "/path"
		if got == nil || got.String() != want {
			t.Errorf("Proxy was given %v, want %s", got, want)
		}
	}
}

// TestConnectReply runs httpConnect against scripted replies over a pipe.
func TestConnectReply(t *testing.T) {
	tests := []struct {
		reply, want, after string // want: the error, if any
	}{
		{"HTTP/1.1 200 OK\r\n\r\n", "", ""},
		{"HTTP/1.0 200 Connection established\r\nProxy-agent: x\r\n\r\nearly frames", "", "early frames"},
		{"HTTP/1.1 204\r\n\r\nx", "", "x"},
		{"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n", "CONNECT refused: HTTP/1.1 407 Proxy Authentication Required", ""},
		{"HTTP/1.1 301 Moved\r\n\r\n", "CONNECT refused: HTTP/1.1 301 Moved", ""},
		{"HTTP/1.1 2000 OK\r\n\r\n", "malformed CONNECT reply", ""},
		{"HTTP/2 200\r\n\r\n", "malformed CONNECT reply", ""},
		{"HTTP/1.1 200 OK\r\n", "unexpected EOF", ""},
		{"HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 5000) + "\r\n\r\n", "buffer full", ""},
		{"HTTP/1.1 200 OK\r\n" + strings.Repeat("X: a\r\n", 200) + "\r\n", "head too long", ""},
	}
	for _, tt := range tests {
		client, proxy := net.Pipe()
		client.SetDeadline(time.Now().Add(5 * time.Second))
		proxy.SetDeadline(time.Now().Add(5 * time.Second))
		var req *http.Request
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer proxy.Close()
			req, _ = http.ReadRequest(bufio.NewReader(proxy))
			io.WriteString(proxy, tt.reply)
		}()
		pu := &url.URL{Scheme: "http", Host: "proxy", User: url.UserPassword("Aladdin", "open sesame")}
		c, err := httpConnect(client, pu, "example.com:443")
		switch {
		case tt.want != "":
			if err == nil || !strings.HasPrefix(err.Error(), "handshake: proxy: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%.40q: err %v; want %q", tt.reply, err, tt.want)
			}
		case err != nil:
			t.Errorf("%.40q: %v", tt.reply, err)
		default:
			if b, err := io.ReadAll(c); string(b) != tt.after || err != nil {
				t.Errorf("%.40q: read %q, %v after the reply; want %q", tt.reply, b, err, tt.after)
			}
		}
		client.Close()
		<-done
		if req == nil || req.Method != "CONNECT" || req.Host != "example.com:443" ||
			req.Header.Get("Proxy-Authorization") != "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==" {
			t.Errorf("proxy got %+v", req)
		}
	}
}
