package wstest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wsframe/wsframe/handshake"
)

const (
	rfcRequest = "§4.2.1: if the server ... finds that the client did not send a handshake that matches the description below, the server MUST stop processing the client's handshake and return an HTTP response with an appropriate error code (such as 400 Bad Request)"
	rfcVersion = "§4.2.2: If this version does not match a version understood by the server, the server MUST abort the WebSocket handshake ... and instead send an appropriate HTTP error code (such as 426 Upgrade Required) and a |Sec-WebSocket-Version| header field indicating the version(s) the server is capable of understanding"
	accepted   = "101, then an echo"
	refused4xx = "4xx"
)

// The key of the RFC's example (§1.3); its accept value is
// s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
const rfcKey = "dGhlIHNhbXBsZSBub25jZQ=="

// Why the cases of group H that send HTTP/1.1 heads do not apply over
// HTTP/2, and which cases of group H2 test the same rule there.
const (
	noKeyOverHTTP2     = "RFC 8441 §5 drops Sec-WebSocket-Key and Sec-WebSocket-Accept; H2.1 checks that a request without a key opens the WebSocket"
	methodOverHTTP2    = "over HTTP/2 the request is a CONNECT with :protocol websocket (RFC 8441 §4), not a GET; H2.2 and H2.3 send CONNECTs without it"
	upgradeOverHTTP2   = "HTTP/2 has no Upgrade or Connection fields (RFC 9113 §8.2.2); :protocol stands for them (RFC 8441 §4), which H2.2 and H2.3 leave out and change"
	headOverHTTP2      = "HTTP/2 sends the request as a HEADERS frame, compressed (RFC 9113 §4.3), not as a head of text that could be split or rewritten"
	versionOverHTTP2   = "H2.4 sends Sec-WebSocket-Version: 8 over HTTP/2"
	earlyDataOverHTTP2 = "over HTTP/2 what follows the request travels in DATA frames of its stream, not in bytes read with a head; no case of group H2 sends DATA before the 2xx"
)

// handshakeCases are group H: what a server does with opening handshakes
// that break §4.1 and §4.2.1, with valid ones written unusually, and with
// offers of subprotocols and extensions it does not know. Group H2 does
// the same for RFC 8441's extended CONNECT, with Options.HTTP2.
func handshakeCases() []*Case {
	raw := setup{raw: true}
	return group("Opening handshake",
		&Case{ID: "H.1", Title: "no Sec-WebSocket-Key", Expect: "400", RFC: rfcRequest, setup: raw, server: refused(400, edit("Sec-WebSocket-Key: "+rfcKey+"\r\n", "")), noHTTP2: noKeyOverHTTP2},
		&Case{ID: "H.2", Title: "Sec-WebSocket-Key that is not 16 bytes in base64", Expect: "400", RFC: rfcRequest, setup: raw, server: refused(400, edit(rfcKey, "c2hvcnQ=")), noHTTP2: noKeyOverHTTP2},
		&Case{ID: "H.3", Title: "Sec-WebSocket-Version: 8", Expect: "426 with Sec-WebSocket-Version: 13", RFC: rfcVersion, setup: raw, server: refused(426, edit("Version: 13", "Version: 8")), noHTTP2: versionOverHTTP2},
		&Case{ID: "H.4", Title: "POST instead of GET", Expect: refused4xx, RFC: rfcRequest + "; §4.1: The method of the request MUST be GET", setup: raw, server: refused(0, edit("GET", "POST"), edit("\r\n\r\n", "\r\nContent-Length: 0\r\n\r\n")), noHTTP2: methodOverHTTP2},
		&Case{ID: "H.5", Title: "no Upgrade header", Expect: refused4xx, RFC: rfcRequest, setup: raw, server: refused(0, edit("Upgrade: websocket\r\n", "")), noHTTP2: upgradeOverHTTP2},
		&Case{ID: "H.6", Title: "Connection: keep-alive, without the Upgrade token", Expect: refused4xx, RFC: rfcRequest, setup: raw, server: refused(0, edit("Connection: Upgrade", "Connection: keep-alive")), noHTTP2: upgradeOverHTTP2},
		&Case{ID: "H.7", Title: "HTTP/1.0 request", Expect: refused4xx, RFC: "§4.1: The method of the request MUST be GET, and the HTTP version MUST be at least 1.1", setup: raw, server: refused(0, edit("HTTP/1.1", "HTTP/1.0")), noHTTP2: "an HTTP/1.0 request has no HTTP/2 form"},
		&Case{ID: "H.8", Title: "request head written one byte at a time", Expect: accepted, RFC: "§4.2.1, §4.2.2", setup: raw, server: acceptedHead(1, false), noHTTP2: headOverHTTP2},
		&Case{ID: "H.9", Title: "request head and first frame in one write", Expect: accepted, RFC: "§4.2.1, §4.2.2", setup: raw, server: acceptedHead(0, true), noHTTP2: earlyDataOverHTTP2},
		&Case{ID: "H.10", Title: "Connection: keep-alive, Upgrade (as Firefox sent it)", Expect: accepted, RFC: "§4.2.1, §4.2.2", setup: raw, server: acceptedHead(0, false, edit("Connection: Upgrade", "Connection: keep-alive, Upgrade")), noHTTP2: upgradeOverHTTP2},
		&Case{ID: "H.11", Title: "header names in lower case", Expect: accepted, RFC: "§4.2.1, §4.2.2", setup: raw,
			server:  acceptedHead(0, false, edit("Host", "host"), edit("Upgrade: ", "upgrade: "), edit("Connection", "connection"), edit("Sec-WebSocket-Key", "sec-websocket-key"), edit("Sec-WebSocket-Version", "sec-websocket-version")),
			noHTTP2: "HTTP/2 field names are always in lower case (RFC 9113 §8.2.1), as every case over HTTP/2 sends them"},
		&Case{ID: "H.12", Title: "offer of two subprotocols no server speaks (x-wstest-unknown-1, x-wstest-unknown-2)", Expect: "no Sec-WebSocket-Protocol in the reply, then an echo", RFC: rfcSubprotocol, setup: setup{protocols: unknownProtocols}, server: declinedOffer},
		&Case{ID: "H.13", Title: "offer of an extension no server knows (x-wstest-unknown; mode=1)", Expect: "no Sec-WebSocket-Extensions in the reply, then an echo", RFC: rfcExtension, setup: setup{ext: "x-wstest-unknown; mode=1"}, server: declinedOffer},
	)
}

const (
	rfcSubprotocol = "§4.2.2: |subprotocol| ... MUST be derived from the values in the |Sec-WebSocket-Protocol| header field ... If the server does not wish to agree to one of the suggested subprotocols, it MUST NOT send back a |Sec-WebSocket-Protocol| header field; RFC 8441 §5 keeps it"
	rfcExtension   = "§9.1: the server ... accepts ... by ... including it in |Sec-WebSocket-Extensions|; §4.2.2: the extensions the server is ready to use; RFC 8441 §5 keeps it"
)

var unknownProtocols = []string{"x-wstest-unknown-1", "x-wstest-unknown-2"}

// declinedOffer checks that the server agreed to none of the case's
// offer, whose subprotocols and extensions no server speaks, and that the
// connection works.
func declinedOffer(p *probe) (Verdict, string) {
	switch {
	case p.proto != "":
		return Fail, fmt.Sprintf("the server chose subprotocol %q, which it cannot speak", p.proto)
	case p.ext != "":
		return Fail, fmt.Sprintf("the server agreed to the extension %q, which it cannot know", p.ext)
	}
	p.send(whole(text, "offer declined"))
	v, o := p.expectEcho(text, []byte("offer declined"))
	return v, "offer declined, then " + o
}

// edit replaces the first old in a request head with new.
func edit(old, new string) func(string) string {
	return func(h string) string { return strings.Replace(h, old, new, 1) }
}

// head is a valid opening handshake for p's target, with edits applied.
func (p *probe) head(edits ...func(string) string) string {
	h := "GET " + p.tg.path + " HTTP/1.1\r\nHost: " + p.tg.host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + rfcKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	for _, e := range edits {
		h = e(h)
	}
	return h
}

// refused sends an edited head and expects it refused as judgeRefusal
// says.
func refused(status int, edits ...func(string) string) serverRun {
	return func(p *probe) (Verdict, string) {
		got, reply, err := p.rawHandshake(p.head(edits...), 0)
		if err != nil && got == 0 {
			return Fail, "no reply: " + err.Error()
		}
		var version string
		if status == 426 {
			r, _, _ := handshake.ParseResponse([]byte(reply), []byte(rfcKey))
			version = string(r.Header("Sec-WebSocket-Version"))
		}
		return judgeRefusal(status, got, version)
	}
}

// judgeRefusal judges the status got of a reply to a request that must
// be refused with a 4xx status: status itself passes, another 4xx is
// NON-STRICT (the RFC gives status as an example), and status 0 takes any
// 4xx. A refusal of the version must name version 13 in
// Sec-WebSocket-Version (version), as §4.2.2 requires whatever the
// status.
func judgeRefusal(status, got int, version string) (Verdict, string) {
	obs := fmt.Sprintf("status %d", got)
	if got < 400 || got > 499 {
		return Fail, obs
	}
	if status == 426 {
		// §4.2.2: the version header is a MUST, the code an example.
		if version != "13" {
			return Fail, obs + " without Sec-WebSocket-Version: 13"
		}
		obs += " with Sec-WebSocket-Version: 13"
	}
	if status != 0 && got != status {
		return NonStrict, obs + fmt.Sprintf(" (the RFC names %d)", status)
	}
	return Pass, obs
}

// acceptedHead sends an edited head, in pieces of piece bytes when piece
// is positive, followed at once by a text message when eager, and
// expects 101 and the message echoed.
func acceptedHead(piece int, eager bool, edits ...func(string) string) serverRun {
	return func(p *probe) (Verdict, string) {
		h := p.head(edits...)
		msg := appendFrame(nil, whole(text, "after the handshake"), true)
		if eager {
			h += string(msg)
		}
		status, reply, err := p.rawHandshake(h, piece)
		if status != 101 {
			return Fail, fmt.Sprintf("status %d %v", status, err)
		}
		if _, _, err := handshake.ParseResponse([]byte(reply), []byte(rfcKey)); err != nil {
			return Fail, "invalid 101 reply: " + err.Error()
		}
		if !eager {
			p.out.queue(msg, 0)
		}
		return p.expectEcho(text, []byte("after the handshake"))
	}
}

// rawHandshake writes head (in pieces of piece bytes, 1 ms apart, when
// piece is positive) and returns the status code of the reply and its
// head. Bytes after the head stay in p's buffer for next.
func (p *probe) rawHandshake(head string, piece int) (int, string, error) {
	if piece > 0 {
		p.writePieces([]byte(head), piece, time.Millisecond)
	} else {
		p.out.queue([]byte(head), 0)
	}
	p.start, p.n = 0, 0
	for {
		if i := strings.Index(string(p.buf[:p.n]), "\r\n\r\n"); i >= 0 {
			reply := string(p.buf[:i+4])
			p.start = i + 4
			var major, minor, status int
			fmt.Sscanf(reply, "HTTP/%d.%d %d", &major, &minor, &status)
			return status, reply, nil
		}
		if p.n == len(p.buf) {
			return 0, "", errors.New("reply head too large")
		}
		k, err := p.conn.Read(p.buf[p.n:])
		p.n += k
		if k == 0 && err != nil {
			return 0, string(p.buf[:p.n]), err
		}
	}
}
