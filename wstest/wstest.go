package wstest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Verdict is the outcome of a case.
type Verdict uint8

// The verdicts, from the Autobahn Testsuite's vocabulary.
const (
	// Pass: the peer did what the RFC requires.
	Pass Verdict = iota + 1
	// NonStrict: the peer failed the connection as it had to, but not in
	// the way the RFC names (another close code, or TCP closed without a
	// close frame), or did something the RFC allows but does not prefer.
	NonStrict
	// Fail: the peer broke a requirement of the RFC, or did not answer.
	Fail
	// Info: measured, not judged (timed cases, options the peer may
	// decline), or not applicable (HTTP/1.1 handshake cases with
	// Options.HTTP2).
	Info
)

var verdictNames = [...]string{Pass: "PASS", NonStrict: "NON-STRICT", Fail: "FAIL", Info: "INFO"}

// String returns the verdict as reports print it: "PASS", "NON-STRICT",
// "FAIL" or "INFO".
func (v Verdict) String() string {
	if int(v) < len(verdictNames) && verdictNames[v] != "" {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}

// MarshalText writes the verdict's name, for JSON reports.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText reads a name that String returns.
func (v *Verdict) UnmarshalText(b []byte) error {
	for i, n := range verdictNames {
		if n != "" && n == string(b) {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("wstest: unknown verdict %q", b)
}

// Case is one conformance case. Its fields describe it; what it does is
// unexported. IDs are fixed: a case keeps its ID across releases, and a
// case whose behaviour changes gets a new one.
type Case struct {
	ID     string `json:"id"`     // such as "6.4.1"; groups are its prefixes ("6", "6.4")
	Group  string `json:"group"`  // the name of its top-level group, such as "UTF-8"
	Title  string `json:"title"`  // what the case sends or does
	RFC    string `json:"rfc"`    // the section it enforces, often with its words
	Expect string `json:"expect"` // what a conforming peer does

	server  serverRun // a case of Cases: run against a server
	client  clientRun // a case of ClientCases: run against a client
	setup   setup     // how a server case connects
	deflate bool      // an RFC 7692 case, run only with Options.Deflate
	http2   bool      // an RFC 8441 case, run only with Options.HTTP2
	noHTTP2 string    // why the case does not apply over HTTP/2, when it does not
}

// Deflate reports whether c is one of the RFC 7692 (permessage-deflate)
// cases, which run only with Options.Deflate.
func (c *Case) Deflate() bool { return c.deflate }

// HTTP2 reports whether c is one of the RFC 8441 (WebSockets over HTTP/2)
// cases of group H2, which run only with Options.HTTP2.
func (c *Case) HTTP2() bool { return c.http2 }

// NotOverHTTP2 returns why c does not apply over HTTP/2, for a case of
// group H that sends an HTTP/1.1 head, or "" for a case that runs there.
// With Options.HTTP2 such a case is INFO, observing this reason; over
// HTTP/1.1 it is never INFO.
func (c *Case) NotOverHTTP2() string { return c.noHTTP2 }

// Result is what one case observed.
type Result struct {
	Case     *Case         `json:"case"`
	Verdict  Verdict       `json:"verdict"`
	Observed string        `json:"observed"` // what the peer did, in words
	Elapsed  time.Duration `json:"elapsed_ns"`
}

// Options configures a run. The zero value, or nil, runs every RFC 6455
// case with the default times.
type Options struct {
	// Cases selects cases by ID or by group prefix: "6" runs 6.1.1,
	// 6.2.1 and the rest of group 6; "6.4" runs 6.4.1 and 6.4.2; "6.4.1"
	// runs that case. nil runs them all. A selection that matches no case
	// is an error.
	Cases []string
	// Timeout bounds each case from start to end, whatever the peer does
	// (a peer that stops reading or answering included): the case fails
	// when it runs out. 0 means DefaultTimeout.
	Timeout time.Duration
	// Quiet is how long a peer must stay silent where a case expects
	// silence, and how long a case waits for a reaction that must come
	// at once (fail-fast UTF-8). 0 means DefaultQuiet.
	Quiet time.Duration
	// Deflate also runs the RFC 7692 (permessage-deflate) groups, 12 and
	// 13: compressed messages under each combination of parameters, the
	// receiving rules and negotiation. A peer that declines compression
	// gets INFO for them.
	Deflate bool
	// HTTP2 makes the server cases open each WebSocket as a stream of an
	// HTTP/2 connection, with an extended CONNECT (RFC 8441), instead of
	// an HTTP/1.1 upgrade, and send their frames over the stream exactly
	// as over TCP; where a case expects the server to close the TCP
	// connection, it expects the stream to end (END_STREAM). Each case
	// has an HTTP/2 connection of its own. With a wss:// URL, TLS must
	// choose h2 (ALPN); with ws://, the connection speaks HTTP/2 from its
	// first byte (prior knowledge, RFC 9113 §3.3). A server that does not
	// take WebSockets over HTTP/2 fails every case that runs, saying why:
	// nothing falls back to HTTP/1.1.
	//
	// It adds group H2, the opening handshake of RFC 8441 §4-5, and makes
	// the HTTP/1.1 handshake cases of group H that have no HTTP/2 form
	// INFO (TestServer skips them), each saying why. The client cases
	// serve HTTP/1.1 only: RunClient and TestClient refuse HTTP2.
	HTTP2 bool
	// TLSConfig configures TLS for a wss:// URL: set RootCAs, or
	// InsecureSkipVerify, to trust a test server's certificate. The suite
	// sets NextProtos itself (h2 with HTTP2, http/1.1 without), and
	// ServerName, when empty, to the URL's host. nil means the defaults.
	TLSConfig *tls.Config
	// OnResult, when set, is called with each result as the case ends,
	// from the goroutine that called Run or RunClient: for progress
	// reports.
	OnResult func(Result)
}

// Defaults for Options.
const (
	DefaultTimeout = 10 * time.Second
	DefaultQuiet   = 500 * time.Millisecond
)

func (o *Options) timeout() time.Duration {
	if o == nil || o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

func (o *Options) http2() bool { return o != nil && o.HTTP2 }

func (o *Options) tlsConfig() *tls.Config {
	if o == nil {
		return nil
	}
	return o.TLSConfig
}

func (o *Options) quiet() time.Duration {
	if o == nil || o.Quiet <= 0 {
		return DefaultQuiet
	}
	return o.Quiet
}

// ErrNoCase is returned when Options.Cases matches no case.
var ErrNoCase = errors.New("wstest: no case matches the selection")

// selectCases returns the cases of all that o selects.
func selectCases(all []*Case, o *Options) ([]*Case, error) {
	var filters []string
	deflate, http2 := false, false
	if o != nil {
		filters, deflate, http2 = o.Cases, o.Deflate, o.HTTP2
	}
	var out []*Case
	leftH2 := false // cases of group H2 left out
	for _, c := range all {
		if c.http2 && !http2 {
			leftH2 = true
			continue
		}
		if c.deflate && !deflate {
			continue
		}
		if Match(c.ID, filters) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		var hints []string
		if !deflate {
			hints = append(hints, "groups 12 and 13 run only with Options.Deflate")
		}
		if leftH2 {
			hints = append(hints, "group H2 only with Options.HTTP2")
		}
		hint := ""
		if len(hints) > 0 {
			hint = " (" + strings.Join(hints, "; ") + ")"
		}
		return nil, fmt.Errorf("%w %q%s", ErrNoCase, filters, hint)
	}
	return out, nil
}

// Match reports whether a case ID is selected by filters, as
// Options.Cases selects: an empty list selects everything, and each
// filter selects the ID it equals and the IDs it is a group prefix of.
func Match(id string, filters []string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		f = strings.TrimSuffix(strings.TrimSpace(f), ".")
		if id == f || strings.HasPrefix(id, f+".") {
			return true
		}
	}
	return false
}

// Run runs the server cases that o selects, one after another, against
// the echo server at url (ws://host:port/path, or wss:// for TLS). The server must echo every
// message back as it came: text as text, binary as binary, one message
// for each. Each case opens connections of its own.
//
// Run returns the results of the cases that ended. It returns an error
// when url or the selection is unusable, or, with the results so far,
// when ctx is done: the case under way then stops at once and is left
// out.
func Run(ctx context.Context, url string, o *Options) ([]Result, error) {
	t, err := parseTarget(url)
	if err != nil {
		return nil, err
	}
	return runAll(ctx, Cases(), o, func(c *Case) Result { return runServerCase(ctx, t, c, o) })
}

// runAll runs the cases of all that o selects, one after another, and
// returns the results of those that ended before ctx was done.
func runAll(ctx context.Context, all []*Case, o *Options, run func(*Case) Result) ([]Result, error) {
	cases, err := selectCases(all, o)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, c := range cases {
		r := run(c)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if o != nil && o.OnResult != nil {
			o.OnResult(r)
		}
		out = append(out, r)
	}
	return out, nil
}

// TestServer runs the server cases that o selects against the echo server
// at url, each as a subtest named by its ID, so that go test -run can pick
// cases (go test -run 'TestEcho/^6\.4'). A FAIL fails the subtest with
// what was expected and observed; NON-STRICT and INFO results are logged.
func TestServer(t *testing.T, url string, o *Options) {
	t.Helper()
	tg, err := parseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := selectCases(Cases(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			if o.http2() && c.noHTTP2 != "" {
				t.Skip(notOverHTTP2 + c.noHTTP2)
			}
			report(t, runServerCase(t.Context(), tg, c, o))
		})
	}
}

// report fails t on a FAIL and logs other verdicts but PASS.
func report(t *testing.T, r Result) {
	t.Helper()
	switch r.Verdict {
	case Pass:
	case Fail:
		t.Errorf("%s: %s\n  RFC:      %s\n  expected: %s\n  observed: %s", r.Case.ID, r.Case.Title, r.Case.RFC, r.Case.Expect, r.Observed)
	default:
		t.Logf("%s: %s: %s", r.Case.ID, r.Verdict, r.Observed)
	}
}

// target is where a server under test listens.
type target struct {
	host   string // host:port
	name   string // the host without the port, for TLS
	path   string // request target, with the query
	secure bool   // wss://: TLS first
}

// url is the target's URL, with its port.
func (t target) url() string {
	if t.secure {
		return "wss://" + t.host + t.path
	}
	return "ws://" + t.host + t.path
}

func parseTarget(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return target{}, fmt.Errorf("wstest: need a ws:// or wss:// URL with a host, got %q", raw)
	}
	t := target{host: u.Host, name: u.Hostname(), path: u.RequestURI(), secure: u.Scheme == "wss"}
	if u.Port() == "" {
		port := "80"
		if t.secure {
			port = "443"
		}
		t.host = net.JoinHostPort(t.name, port)
	}
	return t, nil
}
