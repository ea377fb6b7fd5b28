package wstest

import (
	"strings"

	"github.com/wsframe/wsframe/codec"
)

const (
	rfcClose      = "§5.5.1: If an endpoint receives a Close frame and did not previously send a Close frame, the endpoint MUST send a Close frame in response"
	rfcAfterClose = "§5.5.1: After sending a Close frame, the endpoint MUST NOT send any more data frames; data after the peer's close is ignored"
	rfcCloseCodes = "§7.4.1, §7.4.2; §5.5.1: the endpoint typically echos the status code it received"
	rfcBadCodes   = "§7.4.1, §7.4.2: codes below 1000, 1004-1006, 1015, 1016-2999 and 5000+ may not appear in a close frame"
)

// closeCases are group 7: the closing handshake (§5.5.1, §7) and close
// codes (§7.4).
func closeCases() []*Case {
	return group("Closing",
		&Case{ID: "7.1.1", Title: "text message, then close 1000", Expect: "echo, then close 1000", RFC: rfcClose, server: echoThenClose},
		&Case{ID: "7.1.2", Title: "close 1000, then a second close", Expect: "close 1000 and nothing else", RFC: rfcAfterClose, server: closeThen(closeFrame(codec.CloseNormal, ""))},
		&Case{ID: "7.1.3", Title: "close 1000, then a ping", Expect: "close 1000 and nothing else", RFC: rfcAfterClose, server: closeThen(whole(ping, "after close"))},
		&Case{ID: "7.1.4", Title: "close 1000, then a text message", Expect: "close 1000 and nothing else", RFC: rfcAfterClose, server: closeThen(whole(text, "after close"))},
		&Case{ID: "7.1.5", Title: "text fragment, close 1000, last fragment", Expect: "close 1000 and no echo", RFC: "§5.4, §5.5.1", server: closeInFragments},
		&Case{ID: "7.1.6", Title: "256 KiB text message, ping, close 1000", Expect: "close 1000 (after the echo and pong, if any)", RFC: "§5.5.1", server: closeAfterLarge},
		&Case{ID: "7.3.1", Title: "close without a body", Expect: "a close reply (empty or 1000)", RFC: rfcClose, server: closeWith(rawClose(""), codec.CloseNoStatus)},
		&Case{ID: "7.3.2", Title: "close with a 1-byte body", Expect: fail1002, RFC: "§5.5.1: If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer", server: failsWith(codec.CloseProtocolError, rawClose("a"))},
		&Case{ID: "7.3.3", Title: "close 1000 with a 0-byte reason", Expect: "close 1000", RFC: rfcClose, server: closeWith(closeFrame(codec.CloseNormal, ""), codec.CloseNormal)},
		&Case{ID: "7.3.4", Title: "close 1000 with a 12-byte reason", Expect: "close 1000", RFC: rfcClose, server: closeWith(closeFrame(codec.CloseNormal, "Hello World!"), codec.CloseNormal)},
		&Case{ID: "7.3.5", Title: "close 1000 with a 123-byte reason", Expect: "close 1000", RFC: rfcClose, server: closeWith(closeFrame(codec.CloseNormal, strings.Repeat("*", 123)), codec.CloseNormal)},
		&Case{ID: "7.3.6", Title: "close 1000 with a 124-byte reason (126-byte payload)", Expect: fail1002, RFC: rfcControl, server: failsWith(codec.CloseProtocolError, closeFrame(codec.CloseNormal, strings.Repeat("*", 124)))},
		&Case{ID: "7.5.1", Title: "close 1000 with a reason that is not UTF-8", Expect: fail1007, RFC: "§5.5.1, §8.1", server: failsWith(codec.CloseInvalidPayload, rawClose("\x03\xe8"+invalidText))},
		&Case{ID: "7.7.1", Title: "close with valid code 1000", Expect: "close 1000 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1000)},
		&Case{ID: "7.7.2", Title: "close with valid code 1001", Expect: "close 1001 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1001)},
		&Case{ID: "7.7.3", Title: "close with valid code 1002", Expect: "close 1002 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1002)},
		&Case{ID: "7.7.4", Title: "close with valid code 1003", Expect: "close 1003 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1003)},
		&Case{ID: "7.7.5", Title: "close with valid code 1007", Expect: "close 1007 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1007)},
		&Case{ID: "7.7.6", Title: "close with valid code 1008", Expect: "close 1008 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1008)},
		&Case{ID: "7.7.7", Title: "close with valid code 1009", Expect: "close 1009 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1009)},
		&Case{ID: "7.7.8", Title: "close with valid code 1010", Expect: "close 1010 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1010)},
		&Case{ID: "7.7.9", Title: "close with valid code 1011", Expect: "close 1011 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1011)},
		&Case{ID: "7.7.10", Title: "close with valid code 1012", Expect: "close 1012 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1012)},
		&Case{ID: "7.7.11", Title: "close with valid code 1013", Expect: "close 1013 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1013)},
		&Case{ID: "7.7.12", Title: "close with valid code 1014", Expect: "close 1014 (echoed)", RFC: rfcCloseCodes, server: closeEcho(1014)},
		&Case{ID: "7.7.13", Title: "close with valid code 3000", Expect: "close 3000 (echoed)", RFC: rfcCloseCodes, server: closeEcho(3000)},
		&Case{ID: "7.7.14", Title: "close with valid code 3999", Expect: "close 3999 (echoed)", RFC: rfcCloseCodes, server: closeEcho(3999)},
		&Case{ID: "7.7.15", Title: "close with valid code 4000", Expect: "close 4000 (echoed)", RFC: rfcCloseCodes, server: closeEcho(4000)},
		&Case{ID: "7.7.16", Title: "close with valid code 4999", Expect: "close 4999 (echoed)", RFC: rfcCloseCodes, server: closeEcho(4999)},
		&Case{ID: "7.9.1", Title: "close with code 0, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(0)},
		&Case{ID: "7.9.2", Title: "close with code 999, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(999)},
		&Case{ID: "7.9.3", Title: "close with code 1004, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(1004)},
		&Case{ID: "7.9.4", Title: "close with code 1005, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(1005)},
		&Case{ID: "7.9.5", Title: "close with code 1006, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(1006)},
		&Case{ID: "7.9.6", Title: "close with code 1015, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(1015)},
		&Case{ID: "7.9.7", Title: "close with code 1016, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(1016)},
		&Case{ID: "7.9.8", Title: "close with code 1100, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(1100)},
		&Case{ID: "7.9.9", Title: "close with code 2000, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(2000)},
		&Case{ID: "7.9.10", Title: "close with code 2999, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(2999)},
		&Case{ID: "7.9.11", Title: "close with code 5000, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(5000)},
		&Case{ID: "7.9.12", Title: "close with code 65535, which may not be sent", Expect: fail1002, RFC: rfcBadCodes, server: closeInvalid(65535)},
	)
}

func echoThenClose(p *probe) (Verdict, string) {
	p.send(whole(text, "Hello World!"))
	p.sendClose(closeFrame(codec.CloseNormal, ""))
	return then(func() (Verdict, string) { return p.expectEcho(text, []byte("Hello World!")) },
		func() (Verdict, string) { return p.expectClose(codec.CloseNormal) })
}

// closeThen sends close 1000 and after; the server answers the close only.
func closeThen(after frame) serverRun {
	return func(p *probe) (Verdict, string) {
		p.sendClose(closeFrame(codec.CloseNormal, ""))
		p.send(after)
		return p.expectClose(codec.CloseNormal)
	}
}

func closeInFragments(p *probe) (Verdict, string) {
	p.send(f(false, text, "fragment1"))
	p.sendClose(closeFrame(codec.CloseNormal, ""))
	p.send(f(true, cont, "fragment2"))
	return p.expectClose(codec.CloseNormal)
}

func closeAfterLarge(p *probe) (Verdict, string) {
	p.send(whole(text, strings.Repeat("BAsd7&jh23", 26215)), whole(ping, "ping"))
	p.sendClose(closeFrame(codec.CloseNormal, ""))
	for {
		o := p.next(p.wait())
		switch o.kind {
		case gotMessage, gotPong:
			continue
		case gotClose:
			if o.code == codec.CloseNormal {
				return Pass, o.String()
			}
		}
		return Fail, o.String()
	}
}

// closeWith sends a close frame and expects the server's close with
// want, then the end of TCP.
func closeWith(fr frame, want codec.CloseCode) serverRun {
	return func(p *probe) (Verdict, string) {
		p.sendClose(fr)
		return p.expectClose(want)
	}
}

// closeEcho sends a close frame with a valid code, which the server
// should echo (§5.5.1 says "typically"; 1000 is NON-STRICT).
func closeEcho(code codec.CloseCode) serverRun {
	return func(p *probe) (Verdict, string) {
		p.sendClose(closeFrame(code, ""))
		v, o := p.expectClose(code)
		if v == Fail && strings.HasPrefix(o, "close 1000") {
			return NonStrict, o
		}
		return v, o
	}
}

// closeInvalid sends a close frame with a code that may not be sent,
// built by hand: AppendClose writes 1005 as an empty body.
func closeInvalid(code codec.CloseCode) serverRun {
	return func(p *probe) (Verdict, string) {
		p.sendClose(rawClose(string([]byte{byte(code >> 8), byte(code)})))
		return p.expectFail(codec.CloseProtocolError)
	}
}
