package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/internal/loadgen"
	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/wsnet"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.RemoveWsbench()
	os.Exit(code)
}

// insecure trusts the self-signed certificate of serve -tls.
var insecure = &tls.Config{InsecureSkipVerify: true}

// TestServeTLS runs serve -tls in this process, started with
// GODEBUG=http2xconnect=1 (testenv.HTTP2 runs it again in such a
// process): WebSockets over HTTP/2 and over HTTP/1.1 on one port, the
// demo page and /seed over HTTPS, the client's -http2, -http2-own and
// -ca, and the count of WebSockets over HTTP/2 in /stats.
func TestServeTLS(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	certFile, keyFile := writeCert(t)
	addr, printed, stop := startServe(t, "-tls", "-cert", certFile, "-key", keyFile)
	waitPrinted(t, printed, "WebSockets over HTTP/2 (RFC 8441) are on")
	if !strings.Contains(printed(), "certificate from "+certFile) {
		t.Errorf("serve printed %q", printed())
	}
	url := "wss://" + addr + "/"
	echoOver(t, url, true)
	echoOver(t, url, false)
	for _, tc := range []struct {
		args        []string
		http2, tcps int
	}{
		{[]string{"-conns", "3", "-http2", "-insecure"}, 3, 1},
		{[]string{"-conns", "2", "-http2", "-http2-own", "-insecure"}, 2, 2},
		{[]string{"-conns", "2", "-ca", certFile}, 0, 0},
	} {
		var out bytes.Buffer
		args := append([]string{"client", "-url", url, "-duration", "200ms", "-size", "1024", "-json"}, tc.args...)
		if code := run(bg(t), args, &out, io.Discard); code != 0 {
			t.Fatalf("client %q exited %d: %s", tc.args, code, out.String())
		}
		var res loadgen.Result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Messages == 0 || res.HTTP2 != tc.http2 || res.HTTP2Conns != tc.tcps {
			t.Errorf("client %q: %d messages, %d over HTTP/2 in %d TCP connections (%v); want %d in %d",
				tc.args, res.Messages, res.HTTP2, res.HTTP2Conns, err, tc.http2, tc.tcps)
		}
	}
	// The text report says it too.
	var out bytes.Buffer
	if code := run(bg(t), []string{"client", "-url", url, "-duration", "100ms", "-conns", "2", "-http2", "-insecure"}, &out, io.Discard); code != 0 ||
		!strings.Contains(out.String(), "over HTTP/2: 2 of 2 connections, as streams of 1 TCP connection") {
		t.Errorf("client -http2 exited %d:\n%s", code, out.String())
	}

	// The demo page and its seed, over HTTP/2 as a browser would have it.
	client := h2Client(t)
	page := get(t, client, "https://"+addr+"/")
	if !strings.Contains(page, "Can you hear me?") || !strings.Contains(page, `"wss://"`) {
		t.Errorf("the demo page does not send over wss:// from https://")
	}
	ctx := bg(t)
	c, err := wsnet.Dial(ctx, "wss://"+addr+"/seed", &wsnet.DialOptions{TLSConfig: insecure, HTTP2: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(ctx, codec.OpText, []byte("Can you hear me?")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(ctx, nil); err != nil || string(msg) != "Loud and clear!" || !c.HTTP2() {
		t.Errorf("seed over HTTP/2 (%v) answered %q, %v", c.HTTP2(), msg, err)
	}
	c.Close(codec.CloseNormal, "")

	// 1 + 3 + 2 + 2 + 1 WebSockets over HTTP/2, all closed.
	var st echo.Stats
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if err := json.Unmarshal([]byte(get(t, client, "https://"+addr+"/stats")), &st); err != nil {
			t.Fatal(err)
		}
		if st.HTTP2Open == 0 || time.Now().After(end) {
			break
		}
	}
	if st.HTTP2 != 9 || st.HTTP2Open != 0 {
		t.Errorf("/stats: %d WebSockets over HTTP/2, %d open; want 9 and 0", st.HTTP2, st.HTTP2Open)
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d", code)
	}
}

// TestServeTLSHTTP2Off: in a process without GODEBUG=http2xconnect=1,
// where serve -tls cannot restart itself, it says that WebSockets over
// HTTP/2 are off and how to turn them on, and a client that offers
// HTTP/2 gets its WebSocket over HTTP/1.1.
func TestServeTLSHTTP2Off(t *testing.T) {
	if handshake.HTTP2Enabled() {
		t.Skip("GODEBUG has http2xconnect=1 in this process")
	}
	addr, printed, _ := startServe(t, "-tls")
	waitPrinted(t, printed, "WebSockets over HTTP/2 are off")
	if !strings.Contains(printed(), "GODEBUG=http2xconnect=1") {
		t.Errorf("serve does not say how to turn them on:\n%s", printed())
	}
	echoOver(t, "wss://"+addr+"/", false)
	var out bytes.Buffer
	if code := run(bg(t), []string{"client", "-url", "wss://" + addr + "/", "-duration", "100ms", "-http2", "-insecure"}, &out, io.Discard); code != 0 ||
		!strings.Contains(out.String(), "over HTTP/1.1: the server did not accept WebSockets over HTTP/2") {
		t.Errorf("client -http2 exited %d:\n%s", code, out.String())
	}
}

// TestServeTLSRestarts runs the wsbench binary without GODEBUG: serve
// -tls restarts itself with GODEBUG=http2xconnect=1, keeping its process
// id, and then serves WebSockets over HTTP/2; with -http2=false it does
// not, and offers HTTP/1.1 only.
func TestServeTLSRestarts(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a process cannot replace itself on Windows")
	}
	p, addr := testenv.Serve(t, []string{"GODEBUG="}, "", "-tls")
	p.Match(t, regexp.MustCompile(`WebSockets over HTTP/2 \(RFC 8441\) are on`), 10*time.Second)
	if !strings.Contains(p.Stderr(), "restarting with GODEBUG=http2xconnect=1") {
		t.Errorf("stderr: %q", p.Stderr())
	}
	if runtime.GOOS == "linux" {
		env, err := os.ReadFile("/proc/" + strconv.Itoa(p.Cmd.Process.Pid) + "/environ")
		if err != nil || !bytes.Contains(env, []byte("\x00GODEBUG=http2xconnect=1")) {
			t.Errorf("the process the test started does not run with GODEBUG=http2xconnect=1 (%v)", err)
		}
	}
	echoOver(t, "wss://"+addr+"/", true)
	var st echo.Stats
	if err := json.Unmarshal([]byte(get(t, h2Client(t), "https://"+addr+"/stats")), &st); err != nil || st.HTTP2 != 1 {
		t.Errorf("/stats: %d WebSockets over HTTP/2 (%v); want 1", st.HTTP2, err)
	}

	p, addr = testenv.Serve(t, []string{"GODEBUG="}, "", "-tls", "-http2=false")
	if strings.Contains(p.Stderr(), "restarting") {
		t.Errorf("serve -tls -http2=false restarted: %q", p.Stderr())
	}
	echoOver(t, "wss://"+addr+"/", false)
	tc, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if proto := tc.ConnectionState().NegotiatedProtocol; proto != "http/1.1" {
		t.Errorf("serve -tls -http2=false chose %q by ALPN; want http/1.1", proto)
	}
}

// echoOver dials url with wsnet, offering HTTP/2 or not, checks that
// the WebSocket is an HTTP/2 stream as wantHTTP2 says, echoes messages of
// several sizes and closes it.
func echoOver(t *testing.T, url string, wantHTTP2 bool) {
	t.Helper()
	ctx := bg(t)
	c, err := wsnet.Dial(ctx, url, &wsnet.DialOptions{TLSConfig: insecure, HTTP2: wantHTTP2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if c.HTTP2() != wantHTTP2 {
		t.Errorf("HTTP2() = %v; want %v", c.HTTP2(), wantHTTP2)
	}
	for _, size := range []int{16, 1 << 10, 64 << 10} {
		msg := bytes.Repeat([]byte{byte(size)}, size)
		if err := c.WriteMessage(ctx, codec.OpBinary, msg); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.ReadMessage(ctx, nil); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes: %d bytes, %v", size, len(got), err)
		}
	}
	if err := c.Close(codec.CloseNormal, ""); err != nil {
		t.Errorf("close: %v", err)
	}
}

// h2Client returns an HTTP client that speaks HTTP/2 to serve -tls.
func h2Client(t *testing.T) *http.Client {
	tr := &http.Transport{TLSClientConfig: insecure, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// get returns the body of a GET of url, which must come over HTTP/2.
func get(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Fatalf("GET %s: %s over %s, %v", url, resp.Status, resp.Proto, err)
	}
	return string(body)
}

// waitPrinted waits, at most 10 s, until serve has printed want.
func waitPrinted(t *testing.T, printed func() string, want string) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !strings.Contains(printed(), want); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("serve did not print %q:\n%s", want, printed())
		}
	}
}

// writeCert writes a self-signed certificate and its key to PEM files
// and returns their names.
func writeCert(t *testing.T) (certFile, keyFile string) {
	cert, err := echo.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
