package wstest_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/wsnet"
	"github.com/wsframe/wsframe/wstest"
)

// startH2 serves h over TLS with HTTP/2 and HTTP/1.1 until the test ends,
// and returns its wss:// URL and the TLS configuration that trusts it.
func startH2(t *testing.T, h http.Handler) (string, *tls.Config) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return "wss" + strings.TrimPrefix(srv.URL, "https") + "/", srv.Client().Transport.(*http.Transport).TLSClientConfig
}

// h2Echo is a wsnet echo server that accepts compression. Over HTTP/2 its
// handler must not return before the WebSocket ends, which ends the
// stream: it echoes on a goroutine and waits for Done, as a server that
// hands connections to other goroutines does.
func h2Echo(w http.ResponseWriter, r *http.Request) {
	c, err := wsnet.Upgrade(w, r, &wsnet.ServerOptions{Compression: &deflate.ServerOptions{}})
	if err != nil {
		return
	}
	defer c.CloseNow()
	go func() {
		var msg []byte
		for {
			op, p, err := c.ReadMessage(r.Context(), msg[:0])
			if err != nil {
				return
			}
			if err := c.WriteMessage(r.Context(), op, p); err != nil {
				return
			}
			msg = p
		}
	}()
	<-c.Done()
}

// notApplicable are the cases of group H that have no HTTP/2 form.
var notApplicable = []string{"H.1", "H.2", "H.3", "H.4", "H.5", "H.6", "H.7", "H.8", "H.9", "H.10", "H.11"}

// TestHTTP2EchoServer runs groups of cases over HTTP/2 against a wsnet
// echo server whose handler echoes on a goroutine and waits for the
// WebSocket to end (TestConformanceHTTP2 runs every case against one that
// echoes in the handler): every case passes, but the HTTP/1.1 handshake
// cases, which are INFO and say why they do not apply; group H2 runs.
func TestHTTP2EchoServer(t *testing.T) {
	t.Parallel()
	if !testenv.HTTP2(t) {
		return
	}
	url, cfg := startH2(t, http.HandlerFunc(h2Echo))
	o := &wstest.Options{HTTP2: true, TLSConfig: cfg, Deflate: true, Cases: []string{"1", "2", "5", "7", "12.1.1", "13", "H", "H2"}}
	res, err := wstest.Run(t.Context(), url, o)
	if err != nil {
		t.Fatal(err)
	}
	var na, h2 []string
	for _, r := range res {
		switch {
		case r.Case.HTTP2():
			h2 = append(h2, r.Case.ID)
		case r.Verdict == wstest.Info && strings.HasPrefix(r.Observed, "not applicable over HTTP/2: "):
			na = append(na, r.Case.ID)
			continue
		}
		if r.Verdict != wstest.Pass {
			t.Errorf("%s (%s): %v: %s", r.Case.ID, r.Case.Title, r.Verdict, r.Observed)
		}
	}
	if !slices.Equal(na, notApplicable) {
		t.Errorf("not applicable over HTTP/2: %q; want %q", na, notApplicable)
	}
	if len(h2) != 6 {
		t.Errorf("group H2 ran %q", h2)
	}
}

// startH2C serves h with HTTP/1.1 and, without TLS, HTTP/2 until the test
// ends, and returns its ws:// URL.
func startH2C(t *testing.T, h http.Handler) string {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/"
}

// TestHTTP2PriorKnowledge runs cases over HTTP/2 without TLS, as a ws://
// URL asks, against a server that takes unencrypted HTTP/2.
func TestHTTP2PriorKnowledge(t *testing.T) {
	t.Parallel()
	if !testenv.HTTP2(t) {
		return
	}
	url := startH2C(t, http.HandlerFunc(h2Echo))
	allPass(t)(wstest.Run(t.Context(), url, &wstest.Options{HTTP2: true, Cases: []string{"1.1", "5.1", "7.1", "H2"}}))
}

// TestHTTP2Unavailable runs cases with HTTP2 against servers that take no
// WebSocket over HTTP/2, which fail every case and say why: one that
// does not speak HTTP/2, over TLS and without, and, in a process started
// without GODEBUG=http2xconnect=1, a net/http server that speaks HTTP/2
// but does not advertise extended CONNECT. Without HTTP2 the same servers
// pass.
func TestHTTP2Unavailable(t *testing.T) {
	t.Parallel()
	h1 := httptest.NewUnstartedServer(http.HandlerFunc(h2Echo))
	h1.StartTLS() // without EnableHTTP2: ALPN offers http/1.1 only
	defer h1.Close()
	h1c := httptest.NewServer(http.HandlerFunc(h2Echo))
	defer h1c.Close()
	h1cfg := h1.Client().Transport.(*http.Transport).TLSClientConfig
	servers := []struct {
		name, url string
		cfg       *tls.Config
		want      string
	}{
		{"HTTP/1.1 over TLS", "wss" + strings.TrimPrefix(h1.URL, "https") + "/", h1cfg, "TLS chose http/1.1 by ALPN, not h2"},
		{"HTTP/1.1 without TLS", "ws" + strings.TrimPrefix(h1c.URL, "http") + "/", nil, "does the server take HTTP/2 without TLS?"},
	}
	if !handshake.HTTP2Enabled() {
		url, cfg := startH2(t, http.HandlerFunc(h2Echo))
		servers = append(servers, struct {
			name, url string
			cfg       *tls.Config
			want      string
		}{"HTTP/2 without extended CONNECT", url, cfg, "GODEBUG=http2xconnect=1"})
	}
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			cases := []string{"1.1.1", "7.1.1", "12.1.1.1", "H.12", "H2"}
			res, err := wstest.Run(t.Context(), s.url, &wstest.Options{HTTP2: true, TLSConfig: s.cfg, Deflate: true, Cases: cases})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 10 {
				t.Errorf("%d results; want 10", len(res))
			}
			for _, r := range res {
				if r.Verdict != wstest.Fail || !strings.Contains(r.Observed, s.want) {
					t.Errorf("%s: %v: %s; want FAIL saying %q", r.Case.ID, r.Verdict, r.Observed, s.want)
				}
			}
			allPass(t)(wstest.Run(t.Context(), s.url, &wstest.Options{TLSConfig: s.cfg, Deflate: true, Cases: cases[:4]}))
		})
	}
}

// startH2Fixture serves the fixture with the planted fault fl (see
// fixtureConn) as WebSockets over HTTP/2 until the test ends, and returns
// its ws:// URL. It speaks HTTP/2 without TLS, which spares each case a
// TLS handshake that the faults have nothing to do with; the echo servers
// are tested over TLS.
func startH2Fixture(t *testing.T, fl fault) string {
	return startH2C(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opts := &handshake.Options{}
		switch fl {
		case protocolUnchecked:
			r.Header[":protocol"] = []string{"websocket"}
		case versionUnchecked:
			r.Header.Set("Sec-WebSocket-Version", "13")
		case blindOffer:
			for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
				for p := range strings.SplitSeq(v, ",") {
					opts.Protocols = append(opts.Protocols, strings.TrimSpace(p))
				}
			}
			opts.Extensions = func(offer []string) string { return strings.Join(offer, ", ") }
		}
		conn, _, err := handshake.Upgrade(w, r, opts)
		if err != nil {
			return
		}
		serveFrames(conn, fl, make([]byte, 0, 64<<10))
		conn.Close()
		if fl == resetStream {
			panic(http.ErrAbortHandler) // net/http resets the stream
		}
	}))
}

// TestHTTP2PlantedFaults runs the RFC 6455 cases and group H2 over HTTP/2
// against fixtures with planted faults: the faults of TestPlantedFaults
// that HTTP/2 does not rule out, and faults of the extended CONNECT and
// of the end of the stream. Each fails exactly the cases aimed at it.
func TestHTTP2PlantedFaults(t *testing.T) {
	t.Parallel()
	if !testenv.HTTP2(t) {
		return
	}
	invalidUTF8 := []string{"6.4.1", "6.4.2", "6.5.1", "6.5.2", "6.5.3"}
	for i := 14; i <= 42; i++ {
		invalidUTF8 = append(invalidUTF8, "6.6."+strconv.Itoa(i))
	}
	var badCodes []string
	for i := 1; i <= 12; i++ {
		badCodes = append(badCodes, "7.9."+strconv.Itoa(i))
	}
	// The cases that expect the server to end the stream after the
	// closing handshake, and H2.6, which closes one of two streams.
	closes := []string{"7.1.1", "7.1.2", "7.1.3", "7.1.4", "7.1.5", "7.3.1", "7.3.3", "7.3.4", "7.3.5"}
	for i := 1; i <= 16; i++ {
		closes = append(closes, "7.7."+strconv.Itoa(i))
	}
	closes = append(closes, "H2.6")
	var fixtures []planted
	for _, fx := range []struct {
		name      string
		fault     fault
		fails     []string
		nonStrict []string
	}{
		{"none", noFault, nil, nil},
		{"text not checked for UTF-8", noUTF8, invalidUTF8, nil},
		{"no fail fast inside a fragmented text message", lateUTF8, []string{"6.5.1", "6.5.2", "6.5.3"}, nil},
		{"invalid close codes echoed", echoBadClose, badCodes, nil},
		{"no size limit", noSizeLimit, []string{"10.1", "10.2"}, nil},
		{"offers agreed to blindly", blindOffer, []string{"H.12", "H.13"}, nil},
		{":protocol not checked", protocolUnchecked, []string{"H2.2", "H2.3"}, nil},
		{"Sec-WebSocket-Version not checked", versionUnchecked, []string{"H2.4", "H2.5"}, nil},
		{"stream reset after the closing handshake", resetStream, nil, closes},
	} {
		url := startH2Fixture(t, fx.fault)
		// Not group 9, which no fault touches, and group 10, which sends
		// 128 MiB, only to the fixtures it concerns; under the race
		// detector, which slows everything, only the groups the faults
		// are in. TestPlantedFaults runs every group against every fault.
		cases := []string{"1", "2", "3", "4", "5", "6", "7", "H", "H2"}
		if testenv.RaceEnabled {
			cases = cases[5:]
		}
		if fx.fault == noFault || fx.fault == noSizeLimit {
			cases = append(cases, "10")
		}
		fixtures = append(fixtures, planted{name: fx.name, fails: fx.fails, nonStrict: fx.nonStrict, run: func() ([]wstest.Result, error) {
			o := faultOptions()
			o.HTTP2, o.Cases = true, cases
			return wstest.Run(t.Context(), url, o)
		}})
	}
	checkPlanted(t, fixtures)
}
