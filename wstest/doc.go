// Package wstest is a conformance suite for WebSocket servers and clients
// (RFC 6455, and RFC 7692's permessage-deflate) that runs from go test,
// against any implementation in any language: it talks to the peer over
// TCP, with TLS for wss:// URLs, or over HTTP/2 streams (RFC 8441), and
// judges what comes back on the wire.
//
// # Servers
//
// The server under test is an echo server: it answers every message with
// the same message, text as text and binary as binary. TestServer runs
// each case as a subtest named by its ID, so that go test -run picks
// cases; Run returns the results for a report of one's own:
//
//	func TestConformance(t *testing.T) {
//		t.Parallel()
//		srv := httptest.NewServer(http.HandlerFunc(echoHandler))
//		defer srv.Close()
//		wstest.TestServer(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/", &wstest.Options{Deflate: true})
//	}
//
// The cases (Cases) send frames exactly as written, valid or not, from a
// client of the suite's own: every length encoding, pings and pongs,
// reserved bits and opcodes, fragmentation with control frames between
// fragments, UTF-8 (split across frames and fail-fast), the closing
// handshake and close codes, large and many messages, frames no machine
// could hold, compressed messages under every combination of RFC 7692
// parameters, opening handshakes that must be refused or accepted, and
// offers of subprotocols and extensions that must be declined.
// Their groups are numbered as in the Autobahn Testsuite, which most
// WebSocket libraries run through Docker; each case here was written from
// the RFC and names the section it enforces.
//
// # HTTP/2
//
// With Options.HTTP2, each server case opens its WebSocket as a stream of
// an HTTP/2 connection of its own, with an extended CONNECT (RFC 8441),
// and then sends the same frames over the stream as over TCP; where a
// case expects the server to close the TCP connection, it expects
// END_STREAM, and a reset stream is NON-STRICT. A wss:// URL must reach a
// server that chooses h2 by ALPN (Options.TLSConfig trusts a test
// server's certificate); a ws:// URL gets HTTP/2 without TLS, with prior
// knowledge. The HTTP/1.1 handshake cases of group H that have no HTTP/2
// form are INFO, each saying why, and group H2 checks the extended
// CONNECT instead: without :protocol or with another one, with another
// Sec-WebSocket-Version or none, no Sec-WebSocket-Key, and two
// WebSockets on one connection. A server that does not take WebSockets
// over HTTP/2 fails every case, saying why; nothing falls back to
// HTTP/1.1.
//
// Go's net/http advertises WebSockets over HTTP/2
// (SETTINGS_ENABLE_CONNECT_PROTOCOL) only in a process started with
// GODEBUG=http2xconnect=1 in its environment, so a Go server under test
// needs it, and so does a test that serves its handler in its own process
// (it may skip when handshake.HTTP2Enabled reports false). Served by
// httptest with TLS and HTTP/2 (the package's TestConformanceHTTP2):
//
//	srv := httptest.NewUnstartedServer(http.HandlerFunc(echoHandler))
//	srv.EnableHTTP2 = true
//	srv.StartTLS()
//	defer srv.Close()
//	wstest.TestServer(t, "wss"+strings.TrimPrefix(srv.URL, "https")+"/", &wstest.Options{
//		HTTP2:     true,
//		TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig,
//		Deflate:   true,
//	})
//
// # Clients
//
// The client under test is a function that dials the URL it is given and
// echoes until the server closes (EchoClient). TestClient and RunClient
// serve each case of ClientCases on a loopback port of its own and judge
// the client: that it echoes every kind of message, masks every frame with
// keys that vary, answers pings, fails the connection with the right code
// on frames a server may not send (reserved bits and opcodes, masked or
// oversized control frames, invalid UTF-8, close codes that may not be
// sent), answers the closing handshake, refuses replies that break §4.1
// (a wrong Sec-WebSocket-Accept, a subprotocol or extension it did not
// offer) and keeps the frames that arrive with the reply.
//
// # Verdicts and time
//
// Each case ends with a Verdict: Pass, NonStrict (the peer failed the
// connection, but not as the RFC names), Fail, or Info (timed, an option
// the peer may decline, or a case with no HTTP/2 form run over HTTP/2). Every case ends within Options.Timeout,
// whatever the peer does, including a peer that stops reading or echoes
// as it reads: the suite reads while it writes. When the context given
// to Run or RunClient is done, the case under way stops at once.
//
// # Trust
//
// The package's own tests run the suite against small servers and clients
// that each carry one planted fault (text not checked for UTF-8, no fail
// fast, invalid close codes echoed, HTTP/1.0 upgrades accepted, frames
// sent with the request dropped, no size limit, offers of subprotocols
// and extensions agreed to blindly; over HTTP/2 the same but those of
// HTTP/1.1, and :protocol unchecked, the version unchecked, the stream
// reset after the closing handshake; for clients, an unchecked
// Sec-WebSocket-Accept, an unchecked offer, a fixed mask key, lost frames,
// no UTF-8 check, no size limit, a panic), and check that each fails
// exactly the cases aimed at it and that the same code without the fault
// passes them. They also check that a server that echoes while it reads,
// and one that stops reading, get verdicts within the timeout.
package wstest
