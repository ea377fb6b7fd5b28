package wstest

import (
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/net/http2"

	"github.com/wsframe/wsframe/codec"
)

const (
	rfcProtocol  = "RFC 8441 §4: A new pseudo-header field :protocol MAY be included on request HEADERS indicating the desired protocol to be spoken on the tunnel ... the :protocol pseudo-header field MUST be included in the CONNECT request, and it MUST have a value of \"websocket\"; §5 keeps RFC 6455 §4.2.1's refusal with an HTTP error status"
	rfcH2Request = "RFC 8441 §5: Implementations using this extended CONNECT to bootstrap WebSockets do not do the processing of the Sec-WebSocket-Key and Sec-WebSocket-Accept header fields of [RFC6455] as that functionality has been superseded by the :protocol pseudo-header field"
	rfcH2Version = "RFC 8441 §5 keeps RFC 6455 §4.2.2: If this version does not match a version understood by the server, the server MUST abort the WebSocket handshake ... and instead send an appropriate HTTP error code (such as 426 Upgrade Required) and a |Sec-WebSocket-Version| header field indicating the version(s) the server is capable of understanding"
	rfcStreams   = "RFC 8441 §1: a single HTTP/2 connection can carry WebSockets as well as other HTTP traffic, each WebSocket a stream of its own; RFC 9113 §5: streams are independent of one another"
)

// h2Cases are group H2, run only with Options.HTTP2: the opening
// handshake of RFC 8441 §4-5, the extended CONNECT, where group H sends
// HTTP/1.1 heads; and two WebSockets on one HTTP/2 connection. Groups
// 1 to 13 run over HTTP/2 unchanged, and so do H.12 and H.13.
func h2Cases() []*Case {
	raw := setup{raw: true}
	cases := group("Opening handshake over HTTP/2",
		&Case{ID: "H2.1", Title: "extended CONNECT with :protocol websocket and Sec-WebSocket-Version: 13, without Sec-WebSocket-Key", Expect: "2xx, without Sec-WebSocket-Accept needed, then an echo", RFC: rfcH2Request, server: acceptedHTTP2},
		&Case{ID: "H2.2", Title: "CONNECT without :protocol (a tunnel request, RFC 9113 §8.5) with the WebSocket fields", Expect: "4xx: no WebSocket", RFC: rfcProtocol, setup: raw, server: refusedHTTP2(0, true, func(h http.Header) { delete(h, ":protocol") })},
		&Case{ID: "H2.3", Title: "extended CONNECT with :protocol x-wstest-unknown", Expect: "4xx: no WebSocket", RFC: rfcProtocol, setup: raw, server: refusedHTTP2(0, true, func(h http.Header) { h[":protocol"] = []string{"x-wstest-unknown"} })},
		&Case{ID: "H2.4", Title: "extended CONNECT with Sec-WebSocket-Version: 8", Expect: "426 with Sec-WebSocket-Version: 13", RFC: rfcH2Version, setup: raw, server: refusedHTTP2(426, false, func(h http.Header) { h.Set("Sec-WebSocket-Version", "8") })},
		&Case{ID: "H2.5", Title: "extended CONNECT without Sec-WebSocket-Version", Expect: refused4xx, RFC: rfcH2Version, setup: raw, server: refusedHTTP2(0, false, func(h http.Header) { h.Del("Sec-WebSocket-Version") })},
		&Case{ID: "H2.6", Title: "two WebSockets as streams of one HTTP/2 connection: messages on both, then one closed", Expect: "each stream's messages echoed on it; the other stream goes on after one is closed", RFC: rfcStreams, server: twoStreams},
	)
	for _, c := range cases {
		c.http2 = true
	}
	return cases
}

// acceptedHTTP2 checks the status of the case's extended CONNECT, which
// handshake.Dial sent without a key, and an echo.
func acceptedHTTP2(p *probe) (Verdict, string) {
	status, _, _ := p.h2.last()
	p.send(whole(text, "over HTTP/2"))
	v, o := p.expectEcho(text, []byte("over HTTP/2"))
	return v, fmt.Sprintf("%d, then %s", status, o)
}

// refusedHTTP2 sends an extended CONNECT (method CONNECT, :protocol
// websocket, Sec-WebSocket-Version: 13) changed by edit, and expects it
// refused as refused does a head; when serverError is set, a 5xx is
// NON-STRICT rather than FAIL (501 is a fair answer to a protocol the
// server does not implement). A reset stream is NON-STRICT: the request is
// refused, but not with an HTTP status.
func refusedHTTP2(status int, serverError bool, edit func(http.Header)) serverRun {
	return func(p *probe) (Verdict, string) {
		h := http.Header{":protocol": {"websocket"}}
		h.Set("Sec-WebSocket-Version", "13")
		edit(h)
		resp, err := p.h2.request(p.ctx, http.MethodConnect, h)
		var se http2.StreamError
		switch {
		case errors.As(err, &se):
			return NonStrict, fmt.Sprintf("stream reset (RST_STREAM %v) instead of an HTTP error status", se.Code)
		case err != nil:
			return Fail, "no reply: " + err.Error()
		case resp.StatusCode/100 == 2:
			return Fail, fmt.Sprintf("status %d: the server took it for a WebSocket", resp.StatusCode)
		case serverError && resp.StatusCode/100 == 5:
			return NonStrict, fmt.Sprintf("status %d (a 4xx says the request is at fault)", resp.StatusCode)
		}
		return judgeRefusal(status, resp.StatusCode, resp.Header.Get("Sec-WebSocket-Version"))
	}
}

// twoStreams opens a second WebSocket on the case's HTTP/2 connection,
// sends messages on both in turn, checks each stream's echoes, closes the
// second and checks that the first still echoes.
func twoStreams(p *probe) (Verdict, string) {
	c, end, why := p.h2.dial(p.ctx, "", nil)
	if c == nil {
		return Fail, "second stream: " + why
	}
	q := &probe{endpoint: newEndpoint(codec.RoleClient, p.end, p.quiet), tg: p.tg, h2: p.h2}
	q.attach(c)
	q.ended = end.reason
	defer q.out.stop()
	for i := range 3 {
		a, b := fmt.Sprintf("first stream, message %d", i), fmt.Sprintf("second stream, message %d", i)
		p.send(whole(text, a))
		q.send(whole(text, b))
		if v, o := q.expectEcho(text, []byte(b)); v != Pass {
			return v, "second stream: " + o
		}
		if v, o := p.expectEcho(text, []byte(a)); v != Pass {
			return v, "first stream: " + o
		}
	}
	q.sendClose(closeFrame(codec.CloseNormal, ""))
	if v, o := q.expectClose(codec.CloseNormal); v != Pass {
		return v, "second stream: " + o
	}
	p.send(whole(text, "after the other stream closed"))
	if v, o := p.expectEcho(text, []byte("after the other stream closed")); v != Pass {
		return v, "first stream, after the second closed: " + o
	}
	return Pass, "3 echoes on each stream, the second closed (close 1000, END_STREAM), then an echo on the first"
}
