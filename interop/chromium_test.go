package interop

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/internal/testenv"
)

// browserScript runs in Chromium against `wsbench serve`: text, multibyte
// text, binary, a 1 MiB message (which Chromium sends in fragments of about
// 131,000 bytes), ten messages in a row, then a close with 1000 and a
// reason. It leaves its findings in window.results and sets window.done.
// WSURL stands for the URL, as a JavaScript string.
const browserScript = `
window.results = {steps: [], errors: []};
var ws = new WebSocket(WSURL);
ws.binaryType = "arraybuffer";
var queue = [];
function expect(sent, check, label) { queue.push({check: check, label: label}); ws.send(sent); }
function fail(msg) { window.results.errors.push(msg); }
ws.onopen = function () {
  window.results.extensions = ws.extensions;
  window.results.protocol = ws.protocol;
  expect("Can you hear me?", function (d) { return d === "Can you hear me?"; }, "text");
  var multi = "κόσμε 世界 🌍 Grüße";
  expect(multi, function (d) { return d === multi; }, "multibyte text");
  var bin = new Uint8Array(256);
  for (var i = 0; i < 256; i++) bin[i] = i;
  expect(bin.buffer, function (d) {
    if (!(d instanceof ArrayBuffer) || d.byteLength !== 256) return false;
    var v = new Uint8Array(d);
    for (var i = 0; i < 256; i++) if (v[i] !== i) return false;
    return true;
  }, "binary");
  var big = "";
  for (var i = 0; i < 16384; i++) big += "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  expect(big, function (d) { return d === big; }, "1 MiB text");
  for (var i = 0; i < 10; i++) {
    (function (i) { expect("message " + i, function (d) { return d === "message " + i; }, "message " + i + " of 10"); })(i);
  }
};
ws.onmessage = function (e) {
  var want = queue.shift();
  if (!want) { fail("unexpected message"); return; }
  if (want.check(e.data)) window.results.steps.push(want.label);
  else fail("wrong echo for " + want.label + " (" + (e.data.length || e.data.byteLength) + ")");
  if (queue.length === 0) ws.close(1000, "done: κόσμε");
};
ws.onerror = function () { fail("error event"); };
ws.onclose = function (e) {
  window.results.close = {code: e.code, reason: e.reason, wasClean: e.wasClean};
  window.done = true;
};
`

// browserPage is a page that runs browserScript.
const browserPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>wsframe interop</title></head><body><script>` +
	browserScript + `</script></body></html>`

// chromium starts headless Chromium with its DevTools protocol on a
// loopback port and returns a client for the page it opened at url.
func chromium(t *testing.T, url string, flags ...string) *cdp {
	t.Helper()
	testenv.NeedCommand(t, "chromium", "apt-get install chromium")
	port := freePort(t)
	profile := t.TempDir()
	args := append([]string(nil), "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-features=LocalNetworkAccessChecks", "--user-data-dir="+profile,
		fmt.Sprintf("--remote-debugging-port=%d", port))
	args = append(append(args, flags...), url)
	testenv.Start(t, nil, "chromium", args...)
	waitListening(t, fmt.Sprintf("127.0.0.1:%d", port), 30*time.Second)
	// Find the page's DevTools WebSocket.
	var target string
	deadline := time.Now().Add(30 * time.Second)
	for target == "" && time.Now().Before(deadline) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/json/list", port))
		if err == nil {
			var list []struct{ Type, URL, WebSocketDebuggerURL string }
			json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
			for _, p := range list {
				if p.Type == "page" && (strings.HasPrefix(p.URL, "http://127.0.0.1") || strings.HasPrefix(p.URL, "https://127.0.0.1")) {
					target = p.WebSocketDebuggerURL
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if target == "" {
		t.Fatal("Chromium opened no page")
	}
	return &cdp{c: dial(t, target, nil)}
}

// cdp speaks Chromium's DevTools protocol over this module's WebSocket
// client: JSON requests and replies as text messages.
type cdp struct {
	c  *wsClient
	id int
}

// eval evaluates a JavaScript expression in the page and returns its value
// as JSON.
func (p *cdp) eval(t *testing.T, expr string) json.RawMessage {
	t.Helper()
	p.id++
	req, _ := json.Marshal(map[string]any{"id": p.id, "method": "Runtime.evaluate",
		"params": map[string]any{"expression": expr, "returnByValue": true}})
	if err := p.c.w.WriteMessage(codec.OpText, req); err != nil {
		t.Fatal(err)
	}
	for {
		_, msg, err := p.c.r.ReadMessage(nil)
		if err != nil {
			t.Fatalf("DevTools connection: %v", err)
		}
		var reply struct {
			ID     int
			Result struct {
				Result struct{ Value json.RawMessage }
			}
		}
		if json.Unmarshal(msg, &reply) == nil && reply.ID == p.id {
			return reply.Result.Result.Value
		}
	}
}

// waitFor evaluates expr until it is true.
func (p *cdp) waitFor(t *testing.T, expr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if string(p.eval(t, expr)) == "true" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s was not true within %v", expr, d)
}

// TestChromiumSeedDemo opens the seed article's demo page from `wsbench
// serve`: the page sends "Can you hear me?" and must show the server's
// "Loud and clear!".
func TestChromiumSeedDemo(t *testing.T) {
	addr := startServe(t).addr
	p := chromium(t, "http://"+addr+"/")
	p.waitFor(t, `document.getElementById("reply").textContent === "Loud and clear!"`, 30*time.Second)
	if got := string(p.eval(t, `document.getElementById("sent").textContent`)); got != `"Can you hear me?"` {
		t.Errorf("the page sent %s", got)
	}
}

// TestChromiumMessages runs browserPage against `wsbench serve` in each of
// serveModes: Chromium offers permessage-deflate, and the server accepts
// it without context takeover (its default), accepts it with context
// takeover kept both ways, or declines it.
func TestChromiumMessages(t *testing.T) {
	for _, m := range serveModes {
		t.Run(m.name, func(t *testing.T) { testChromiumMessages(t, m.args, m.compress) })
	}
}

func testChromiumMessages(t *testing.T, serveArgs []string, compress bool) {
	addr := startServe(t, serveArgs...).addr
	page := strings.Replace(browserPage, "WSURL", `"ws://`+addr+`/echo"`, 1)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}))
	defer web.Close()
	p := chromium(t, web.URL+"/")
	checkBrowserResults(t, p, serveArgs, compress)
}

// checkBrowserResults waits for browserScript to finish in p's page and
// checks what it found: every step, the extensions the mode implies, and
// a clean close.
func checkBrowserResults(t *testing.T, p *cdp, serveArgs []string, compress bool) {
	t.Helper()
	p.waitFor(t, "window.done === true", 60*time.Second)
	var res struct {
		Steps      []string
		Errors     []string
		Extensions string
		Protocol   string
		Close      struct {
			Code     int
			Reason   string
			WasClean bool
		}
	}
	raw := p.eval(t, "window.results")
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("results %s: %v", raw, err)
	}
	if len(res.Errors) > 0 {
		t.Errorf("page errors: %q", res.Errors)
	}
	if len(res.Steps) != 14 {
		t.Errorf("steps passed: %q; want 14", res.Steps)
	}
	// What the page's WebSocket reports as negotiated: with compression,
	// every message above went compressed both ways.
	switch {
	case !compress:
		if res.Extensions != "" {
			t.Errorf("negotiated extensions %q; want none", res.Extensions)
		}
	case len(serveArgs) == 0:
		if want := "permessage-deflate; server_no_context_takeover; client_no_context_takeover"; res.Extensions != want {
			t.Errorf("negotiated extensions %q; want %q", res.Extensions, want)
		}
	default: // context takeover
		if !strings.HasPrefix(res.Extensions, "permessage-deflate") || strings.Contains(res.Extensions, "no_context_takeover") {
			t.Errorf("negotiated extensions %q; want permessage-deflate with context takeover", res.Extensions)
		}
	}
	if res.Close.Code != 1000 || res.Close.Reason != "done: κόσμε" || !res.Close.WasClean {
		t.Errorf("close event %+v; want a clean 1000 with the reason echoed", res.Close)
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "chromium: %d steps, close %+v\n", len(res.Steps), res.Close)
	}
}

// TestChromiumHTTP2 loads the demo page of `wsbench serve -tls` over
// HTTPS, which Chromium fetches over HTTP/2, and runs browserScript in it
// in each of serveModes. Since the server advertises extended CONNECT,
// Chromium opens the page's WebSockets as streams of that HTTP/2
// connection (RFC 8441): the server's /stats must count every one of them
// as HTTP/2.
func TestChromiumHTTP2(t *testing.T) {
	for _, m := range serveModes {
		t.Run(m.name, func(t *testing.T) {
			addr := startServe(t, append([]string{"-tls"}, m.args...)...).addr
			p := chromium(t, "https://"+addr+"/", "--ignore-certificate-errors")
			// The demo page's own WebSocket, to /seed, first.
			p.waitFor(t, `document.getElementById("reply").textContent === "Loud and clear!"`, 30*time.Second)
			p.eval(t, strings.Replace(browserScript, "WSURL", `"wss://`+addr+`/echo"`, 1))
			checkBrowserResults(t, p, m.args, m.compress)
			if got := string(p.eval(t, `performance.getEntriesByType("navigation")[0].nextHopProtocol`)); got != `"h2"` {
				t.Errorf("the page came over %s; want h2", got)
			}
			st := tlsStats(t, addr)
			if st.HTTP2 != 2 {
				t.Errorf("the server counted %d WebSockets over HTTP/2; want the page's 2", st.HTTP2)
			}
		})
	}
}

// tlsStats reads /stats from `wsbench serve -tls`, whose certificate is
// self-signed.
func tlsStats(t *testing.T, addr string) echo.Stats {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the server's own certificate, made at start-up
	}}
	var st echo.Stats
	testenv.GetJSON(t, client, "https://"+addr+"/stats", &st)
	return st
}
