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

// handshakeCases are group H: what a server does with opening handshakes
// that break §4.1 and §4.2.1, and with valid ones written unusually.
func handshakeCases() []*Case {
	raw := setup{raw: true}
	return group("Opening handshake",
		&Case{ID: "H.1", Title: "no Sec-WebSocket-Key", Expect: "400", RFC: rfcRequest, setup: raw, server: refused(400, edit("Sec-WebSocket-Key: "+rfcKey+"\r\n", ""))},
		&Case{ID: "H.2", Title: "Sec-WebSocket-Key that is not 16 bytes in base64", Expect: "400", RFC: rfcRequest, setup: raw, server: refused(400, edit(rfcKey, "c2hvcnQ="))},
		&Case{ID: "H.3", Title: "Sec-WebSocket-Version: 8", Expect: "426 with Sec-WebSocket-Version: 13", RFC: rfcVersion, setup: raw, server: refused(426, edit("Version: 13", "Version: 8"))},
		&Case{ID: "H.4", Title: "POST instead of GET", Expect: refused4xx, RFC: rfcRequest + "; §4.1: The method of the request MUST be GET", setup: raw, server: refused(0, edit("GET", "POST"), edit("\r\n\r\n", "\r\nContent-Length: 0\r\n\r\n"))},
		&Case{ID: "H.5", Title: "no Upgrade header", Expect: refused4xx, RFC: rfcRequest, setup: raw, server: refused(0, edit("Upgrade: websocket\r\n", ""))},
		&Case{ID: "H.6", Title: "Connection: keep-alive, without the Upgrade token", Expect: refused4xx, RFC: rfcRequest, setup: raw, server: refused(0, edit("Connection: Upgrade", "Connection: keep-alive"))},
		&Case{ID: "H.7", Title: "HTTP/1.0 request", Expect: refused4xx, RFC: "§4.1: The method of the request MUST be GET, and the HTTP version MUST be at least 1.1", setup: raw, server: refused(0, edit("HTTP/1.1", "HTTP/1.0"))},
		&Case{ID: "H.8", Title: "request head written one byte at a time", Expect: accepted, RFC: "§4.2.1, §4.2.2", setup: raw, server: acceptedHead(1, false)},
		&Case{ID: "H.9", Title: "request head and first frame in one write", Expect: accepted, RFC: "§4.2.1, §4.2.2", setup: raw, server: acceptedHead(0, true)},
		&Case{ID: "H.10", Title: "Connection: keep-alive, Upgrade (as Firefox sent it)", Expect: accepted, RFC: "§4.2.1, §4.2.2", setup: raw, server: acceptedHead(0, false, edit("Connection: Upgrade", "Connection: keep-alive, Upgrade"))},
		&Case{ID: "H.11", Title: "header names in lower case", Expect: accepted, RFC: "§4.2.1, §4.2.2", setup: raw,
			server: acceptedHead(0, false, edit("Host", "host"), edit("Upgrade: ", "upgrade: "), edit("Connection", "connection"), edit("Sec-WebSocket-Key", "sec-websocket-key"), edit("Sec-WebSocket-Version", "sec-websocket-version"))},
	)
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

// refused sends an edited head and expects it refused with a 4xx status:
// status itself passes, another 4xx is NON-STRICT (the RFC gives status
// as an example), and status 0 takes any 4xx. A refusal of the version
// must name version 13, as §4.2.2 requires whatever the status.
func refused(status int, edits ...func(string) string) serverRun {
	return func(p *probe) (Verdict, string) {
		got, reply, err := p.rawHandshake(p.head(edits...), 0)
		if err != nil && got == 0 {
			return Fail, "no reply: " + err.Error()
		}
		obs := fmt.Sprintf("status %d", got)
		if got < 400 || got > 499 {
			return Fail, obs
		}
		if status == 426 {
			// §4.2.2: the version header is a MUST, the code an example.
			r, _, _ := handshake.ParseResponse([]byte(reply), []byte(rfcKey))
			if string(r.Header("Sec-WebSocket-Version")) != "13" {
				return Fail, obs + " without Sec-WebSocket-Version: 13"
			}
			obs += " with Sec-WebSocket-Version: 13"
		}
		if status != 0 && got != status {
			return NonStrict, obs + fmt.Sprintf(" (the RFC names %d)", status)
		}
		return Pass, obs
	}
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
