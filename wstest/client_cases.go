package wstest

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

var clientCases = sync.OnceValue(func() []*Case {
	return concat(clientFramingCases(), clientUTF8CloseCases(), clientLimitCases(), clientDeflateCases(), clientHandshakeCases())
})

const (
	rfcClientFail = "§5.1: A client MUST close a connection if it detects a masked frame; §7.1.7: _Fail the WebSocket Connection_"
	rfcMasking    = "§5.3: The masking key is a 32-bit value chosen at random by the client ... The masking key needs to be unpredictable"
	clientFail    = "the client fails the connection (1002)"
	clientFail07  = "the client fails the connection (1007)"
	clientEchoes  = "echoed"
)

// clientFramingCases are groups 1 to 5 and M, from the server's side: what
// a client does with the frames a server may send, and with frames it
// may not.
func clientFramingCases() []*Case {
	return concat(
		group("Framing",
			&Case{ID: "1.1.1", Title: "text message of 0 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoes(whole(text, ""))},
			&Case{ID: "1.1.2", Title: "text message of 125 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(text, 125)},
			&Case{ID: "1.1.3", Title: "text message of 126 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(text, 126)},
			&Case{ID: "1.1.4", Title: "text message of 127 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(text, 127)},
			&Case{ID: "1.1.5", Title: "text message of 128 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(text, 128)},
			&Case{ID: "1.1.6", Title: "text message of 65535 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(text, 65535)},
			&Case{ID: "1.1.7", Title: "text message of 65536 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(text, 65536)},
			&Case{ID: "1.2.1", Title: "binary message of 0 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoes(whole(bin, ""))},
			&Case{ID: "1.2.2", Title: "binary message of 125 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(bin, 125)},
			&Case{ID: "1.2.3", Title: "binary message of 126 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(bin, 126)},
			&Case{ID: "1.2.4", Title: "binary message of 127 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(bin, 127)},
			&Case{ID: "1.2.5", Title: "binary message of 128 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(bin, 128)},
			&Case{ID: "1.2.6", Title: "binary message of 65535 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(bin, 65535)},
			&Case{ID: "1.2.7", Title: "binary message of 65536 bytes", Expect: clientEchoes, RFC: rfcLengths, client: echoesSize(bin, 65536)},
			&Case{ID: "1.3.1", Title: "10 text messages in one write", Expect: "10 echoes in order", RFC: "§5.4, §6.2", client: echoesTen},
			&Case{ID: "1.4.1", Title: "a masked text message (a server must not mask)", Expect: clientFail, RFC: rfcClientFail, client: clientFailsOn(codec.CloseProtocolError, maskedFrame(whole(text, "masked by the server")))},
		),
		group("Pings and pongs",
			&Case{ID: "2.1", Title: "ping without payload", Expect: aPong, RFC: rfcPing, client: pongsTo("")},
			&Case{ID: "2.2", Title: "ping with text payload", Expect: aPong, RFC: rfcPing, client: pongsTo("Hello, world!")},
			&Case{ID: "2.3", Title: "ping with 125-byte payload", Expect: aPong, RFC: rfcPing, client: pongsTo(strings.Repeat("\xfe", 125))},
			&Case{ID: "2.4", Title: "ping with 126-byte payload", Expect: clientFail, RFC: rfcControl, client: clientFailsOn(codec.CloseProtocolError, whole(ping, strings.Repeat("\xfe", 126)))},
			&Case{ID: "2.5", Title: "unsolicited pong, then a text message", Expect: "no answer to the pong; the message echoed", RFC: rfcPong, client: echoes(whole(pong, "unsolicited"), whole(text, "after the pong"))},
			&Case{ID: "2.6", Title: "10 pings in one write", Expect: "10 pongs, in order", RFC: rfcPing, client: pongsToTen},
		),
		group("Reserved bits",
			&Case{ID: "3.1", Title: "text with RSV1 set, no extension negotiated", Expect: clientFail, RFC: rfcRsv, client: clientFailsOn(codec.CloseProtocolError, withRsv(codec.Rsv1, text, "Hello, world!"))},
			&Case{ID: "3.2", Title: "binary with RSV2 set", Expect: clientFail, RFC: rfcRsv, client: clientFailsOn(codec.CloseProtocolError, withRsv(codec.Rsv2, bin, "Hello, world!"))},
			&Case{ID: "3.3", Title: "ping with RSV3 set", Expect: clientFail, RFC: rfcRsv, client: clientFailsOn(codec.CloseProtocolError, withRsv(codec.Rsv3, ping, "Hello, world!"))},
		),
		group("Opcodes",
			&Case{ID: "4.1", Title: "reserved opcode 3", Expect: clientFail, RFC: rfcOpcode, client: clientFailsOn(codec.CloseProtocolError, whole(3, ""))},
			&Case{ID: "4.2", Title: "reserved opcode 11 with payload", Expect: clientFail, RFC: rfcOpcode, client: clientFailsOn(codec.CloseProtocolError, whole(11, "reserved opcode payload"))},
		),
		group("Fragmentation",
			&Case{ID: "5.1", Title: "text message in two fragments", Expect: "echoed whole", RFC: rfcFragments, client: echoes(f(false, text, "fragment1"), f(true, cont, "fragment2"))},
			&Case{ID: "5.2", Title: "text message in two fragments with a ping between them", Expect: "a pong, then the message echoed whole", RFC: rfcFragments,
				client: pongThenEcho(f(false, text, "fragment1"), whole(ping, "between fragments"), f(true, cont, "fragment2"))},
			&Case{ID: "5.3", Title: "binary message in 5 fragments, each written alone", Expect: "echoed whole", RFC: rfcFragments, client: echoesEach(f(false, bin, "1"), f(false, cont, "22"), f(false, cont, ""), f(false, cont, "4444"), f(true, cont, "55555"))},
			&Case{ID: "5.4", Title: "continuation with nothing to continue", Expect: clientFail, RFC: rfcContinue, client: clientFailsOn(codec.CloseProtocolError, f(true, cont, "non-continuation payload"))},
			&Case{ID: "5.5", Title: "a text message inside a fragmented one", Expect: clientFail, RFC: rfcFragments, client: clientFailsOn(codec.CloseProtocolError, f(false, text, "fragment1"), f(true, text, "fragment2"))},
			&Case{ID: "5.6", Title: "ping in two fragments", Expect: clientFail, RFC: rfcCtlFrag, client: clientFailsOn(codec.CloseProtocolError, f(false, ping, "fragment1"), f(true, cont, "fragment2"))},
		),
		group("Masking",
			&Case{ID: "M.1", Title: "20 text messages echoed", Expect: "every client frame masked, and the mask keys not all the same", RFC: rfcMasking, client: masksEachFrame},
		),
	)
}

// clientUTF8CloseCases are groups 6 and 7 from the server's side.
func clientUTF8CloseCases() []*Case {
	return concat(
		group("UTF-8",
			&Case{ID: "6.1", Title: "valid UTF-8 in one frame", Expect: clientEchoes, RFC: "§5.6", client: echoes(whole(text, validText))},
			&Case{ID: "6.2", Title: "valid UTF-8, one fragment per byte", Expect: clientEchoes, RFC: "§5.6, §8.1", client: echoes(bytewise(validText)...)},
			&Case{ID: "6.3", Title: "invalid UTF-8 (a surrogate) in one frame", Expect: clientFail07, RFC: rfcUTF8, client: clientFailsOn(codec.CloseInvalidPayload, whole(text, invalidText))},
			&Case{ID: "6.4", Title: "invalid UTF-8, one fragment per byte", Expect: clientFail07, RFC: rfcUTF8, client: clientFailsOn(codec.CloseInvalidPayload, bytewise(invalidText)...)},
			&Case{ID: "6.5.1", Title: "U+110000, beyond Unicode (f4 90 80 80)", Expect: clientFail07, RFC: rfcUTF8Vectors, client: clientFailsOn(codec.CloseInvalidPayload, whole(text, "\xf4\x90\x80\x80"))},
			&Case{ID: "6.5.2", Title: "lone continuation byte (80)", Expect: clientFail07, RFC: rfcUTF8Vectors, client: clientFailsOn(codec.CloseInvalidPayload, whole(text, "\x80"))},
			&Case{ID: "6.5.3", Title: "overlong '/' in 2 bytes (c0 af)", Expect: clientFail07, RFC: rfcUTF8Vectors, client: clientFailsOn(codec.CloseInvalidPayload, whole(text, "\xc0\xaf"))},
			&Case{ID: "6.5.4", Title: "5-byte sequence (f8 88 80 80 80)", Expect: clientFail07, RFC: rfcUTF8Vectors, client: clientFailsOn(codec.CloseInvalidPayload, whole(text, "\xf8\x88\x80\x80\x80"))},
			&Case{ID: "6.5.5", Title: "3-byte sequence missing its last byte, at the end of the message (e0 a0)", Expect: clientFail07, RFC: rfcUTF8Vectors, client: clientFailsOn(codec.CloseInvalidPayload, whole(text, "\xe0\xa0"))},
			&Case{ID: "6.5.6", Title: "impossible byte (fe)", Expect: clientFail07, RFC: rfcUTF8Vectors, client: clientFailsOn(codec.CloseInvalidPayload, whole(text, "\xfe"))},
		),
		group("Closing",
			&Case{ID: "7.1", Title: "the server closes with 1000", Expect: "a close reply with 1000 (or no code), then the client returns", RFC: rfcClose, client: closesWith(closeFrame(codec.CloseNormal, ""), codec.CloseNormal)},
			&Case{ID: "7.2", Title: "the server closes with 1001 (going away)", Expect: "a close reply with 1001", RFC: rfcCloseCodes, client: closesWith(closeFrame(codec.CloseGoingAway, "server shutting down"), codec.CloseGoingAway)},
			&Case{ID: "7.3", Title: "the server closes with 4000 and a reason", Expect: "a close reply with 4000", RFC: rfcCloseCodes, client: closesWith(closeFrame(4000, "private code"), 4000)},
			&Case{ID: "7.4", Title: "the server closes without a body", Expect: "a close reply, empty or 1000", RFC: rfcClose, client: closesWith(rawClose(""), codec.CloseNoStatus)},
			&Case{ID: "7.5", Title: "a text message, then close 1000 in the same write", Expect: "the echo, then a close reply", RFC: "§5.5.1", client: echoThenCloseReply},
			&Case{ID: "7.6", Title: "close 1000, then a text message", Expect: "a close reply and no echo", RFC: rfcAfterClose, client: closeThenText},
			&Case{ID: "7.7", Title: "close with a 1-byte body", Expect: clientFail, RFC: "§5.5.1: If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer", client: clientFailsOn(codec.CloseProtocolError, rawClose("a"))},
			&Case{ID: "7.8", Title: "close 1000 with a reason that is not UTF-8", Expect: clientFail07, RFC: "§5.5.1, §8.1", client: clientFailsOn(codec.CloseInvalidPayload, rawClose("\x03\xe8"+invalidText))},
			&Case{ID: "7.9", Title: "close 1000 with a 124-byte reason (126-byte payload)", Expect: clientFail, RFC: rfcControl, client: clientFailsOn(codec.CloseProtocolError, closeFrame(codec.CloseNormal, strings.Repeat("*", 124)))},
			&Case{ID: "7.10.1", Title: "close with code 0, which may not be sent", Expect: clientFail, RFC: rfcBadCodes, client: clientClosesBad(0)},
			&Case{ID: "7.10.2", Title: "close with code 999, which may not be sent", Expect: clientFail, RFC: rfcBadCodes, client: clientClosesBad(999)},
			&Case{ID: "7.10.3", Title: "close with code 1004, which may not be sent", Expect: clientFail, RFC: rfcBadCodes, client: clientClosesBad(1004)},
			&Case{ID: "7.10.4", Title: "close with code 1005, which may not be sent", Expect: clientFail, RFC: rfcBadCodes, client: clientClosesBad(1005)},
			&Case{ID: "7.10.5", Title: "close with code 1006, which may not be sent", Expect: clientFail, RFC: rfcBadCodes, client: clientClosesBad(1006)},
			&Case{ID: "7.10.6", Title: "close with code 1015, which may not be sent", Expect: clientFail, RFC: rfcBadCodes, client: clientClosesBad(1015)},
			&Case{ID: "7.10.7", Title: "close with code 1016, which may not be sent", Expect: clientFail, RFC: rfcBadCodes, client: clientClosesBad(1016)},
			&Case{ID: "7.10.8", Title: "close with code 2999, which may not be sent", Expect: clientFail, RFC: rfcBadCodes, client: clientClosesBad(2999)},
			&Case{ID: "7.10.9", Title: "close with code 5000, which may not be sent", Expect: clientFail, RFC: rfcBadCodes, client: clientClosesBad(5000)},
		),
	)
}

// clientLimitCases are groups 9 and 10 from the server's side.
func clientLimitCases() []*Case {
	return concat(
		group("Large messages",
			&Case{ID: "9.1", Title: "text message of 1 MiB", Expect: timedEcho, RFC: "§10.4", client: timed(echoesSize(text, 1<<20))},
			&Case{ID: "9.2", Title: "binary message of 4 MiB", Expect: timedEcho, RFC: "§10.4", client: timed(echoesSize(bin, 4<<20))},
			&Case{ID: "9.3", Title: "binary message of 4 MiB in fragments of 64 KiB", Expect: timedEcho, RFC: "§5.4", client: timed(echoesFragments(bin, 4<<20, 64<<10))},
			&Case{ID: "9.4", Title: "100 text messages of 1 KiB, sent back to back", Expect: "100 echoes (timed)", RFC: "§5.4", client: timed(echoesBurst(100, 1<<10))},
		),
		group("Resource limits",
			&Case{ID: "10.1", Title: "binary frame whose header declares 2^62 bytes, then 64 MiB of its payload", Expect: "the client fails the connection (1009): at the header, or at the latest once its limit is passed", RFC: rfcLimits, client: clientDeclared(1 << 62)},
			&Case{ID: "10.2", Title: "binary frame whose 64-bit length has its most significant bit set", Expect: clientFail, RFC: "§5.2: the most significant bit MUST be 0", client: clientMSBLength},
		),
	)
}

// echoes answers the handshake, sends frames in one write and expects the
// message they make echoed; then closes.
func echoes(frames ...frame) clientRun {
	op, want := message(frames)
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		s.send(frames...)
		return s.finish(s.expectEcho(op, want))
	}
}

// echoesEach is echoes with each frame written alone.
func echoesEach(frames ...frame) clientRun {
	op, want := message(frames)
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		s.sendEach(frames...)
		return s.finish(s.expectEcho(op, want))
	}
}

func echoesSize(op codec.Opcode, n int) clientRun {
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		payload := bytes.Repeat([]byte("*"), n)
		s.send(frame{fin: true, op: op, payload: payload})
		return s.finish(s.expectEcho(op, payload))
	}
}

func echoesFragments(op codec.Opcode, n, size int) clientRun {
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		payload := bytes.Repeat([]byte("*"), n)
		s.send(fragments(op, payload, size)...)
		return s.finish(s.expectEcho(op, payload))
	}
}

func echoesBurst(count, n int) clientRun {
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		payload := bytes.Repeat([]byte("*"), n)
		frames := make([]frame, count)
		for i := range frames {
			frames[i] = frame{fin: true, op: text, payload: payload}
		}
		s.send(frames...)
		for i := range count {
			if v, o := s.expectEcho(text, payload); v != Pass {
				return v, fmt.Sprintf("message %d: %s", i, o)
			}
		}
		return s.finish(Pass, fmt.Sprintf("%d echoes", count))
	}
}

func echoesTen(s *stage) (Verdict, string) {
	s.accept(nil)
	var frames []frame
	var steps []check
	for i := range 10 {
		m := fmt.Sprintf("message %d", i)
		frames = append(frames, whole(text, m))
		steps = append(steps, func() (Verdict, string) { return s.expectEcho(text, []byte(m)) })
	}
	s.send(frames...)
	return s.finish(then(steps...))
}

// clientFailsOn answers the handshake, sends frames and expects the
// client to fail the connection with code.
func clientFailsOn(code codec.CloseCode, frames ...frame) clientRun {
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		s.send(frames...)
		return s.expectFail(code)
	}
}

// maskedFrame marks fr to be sent masked, which a server must not do.
func maskedFrame(fr frame) frame {
	fr.masked = true
	return fr
}

func pongsTo(payload string) clientRun {
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		s.send(whole(ping, payload))
		return s.finish(s.expectPong([]byte(payload)))
	}
}

func pongsToTen(s *stage) (Verdict, string) {
	s.accept(nil)
	var frames []frame
	var steps []check
	for i := range 10 {
		p := fmt.Sprintf("payload-%d", i)
		frames = append(frames, whole(ping, p))
		steps = append(steps, func() (Verdict, string) { return s.expectPong([]byte(p)) })
	}
	s.send(frames...)
	return s.finish(then(steps...))
}

// pongThenEcho sends a fragmented message with a ping among its frames.
func pongThenEcho(frames ...frame) clientRun {
	op, want := message(frames)
	var pingPayload []byte
	for _, fr := range frames {
		if fr.op == ping {
			pingPayload = fr.payload
		}
	}
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		s.send(frames...)
		return s.finish(then(func() (Verdict, string) { return s.expectPong(pingPayload) },
			func() (Verdict, string) { return s.expectEcho(op, want) }))
	}
}

// masksEachFrame sends 20 messages and checks the keys of the echoes:
// every frame masked (the decoder refuses an unmasked one) and the keys
// not all equal.
func masksEachFrame(s *stage) (Verdict, string) {
	s.accept(nil)
	for i := range 20 {
		m := []byte(fmt.Sprintf("message %d", i))
		s.send(frame{fin: true, op: text, payload: m})
		if v, o := s.expectEcho(text, m); v != Pass {
			return v, fmt.Sprintf("message %d: %s", i, o)
		}
	}
	distinct := map[[4]byte]bool{}
	for _, k := range s.keys {
		distinct[k] = true
	}
	if len(distinct) < 2 {
		return Fail, fmt.Sprintf("%d masked frames, all with the key % x", len(s.keys), s.keys[0])
	}
	return s.finish(Pass, fmt.Sprintf("%d masked frames with %d distinct keys", len(s.keys), len(distinct)))
}

// closesWith sends the server's close frame and expects the client's
// reply with want.
func closesWith(fr frame, want codec.CloseCode) clientRun {
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		s.sendClose(fr)
		return s.expectCloseReply(want)
	}
}

func echoThenCloseReply(s *stage) (Verdict, string) {
	s.accept(nil)
	s.closeSent = true
	s.send(whole(text, "Hello World!"), closeFrame(codec.CloseNormal, ""))
	return then(func() (Verdict, string) { return s.expectEcho(text, []byte("Hello World!")) },
		func() (Verdict, string) { return s.expectCloseReply(codec.CloseNormal) })
}

func closeThenText(s *stage) (Verdict, string) {
	s.accept(nil)
	s.closeSent = true
	s.send(closeFrame(codec.CloseNormal, ""), whole(text, "after close"))
	o := s.next(s.wait())
	switch {
	case o.kind == gotClose && (o.code == codec.CloseNormal || o.code == codec.CloseNoStatus):
		return Pass, o.String()
	case o.kind == gotMessage:
		return Fail, "echoed " + o.String() + " after the server's close"
	}
	return Fail, o.String()
}

// clientClosesBad sends a close frame with a code that may not be sent.
func clientClosesBad(code codec.CloseCode) clientRun {
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		s.sendClose(rawClose(string([]byte{byte(code >> 8), byte(code)})))
		return s.expectFail(codec.CloseProtocolError)
	}
}

// clientDeclared sends a binary frame header that declares n bytes.
func clientDeclared(n int64) clientRun {
	return func(s *stage) (Verdict, string) {
		s.accept(nil)
		s.sendDeclared(true, codec.OpBinary, n)
		return s.expectFail(codec.CloseMessageTooBig)
	}
}

func clientMSBLength(s *stage) (Verdict, string) {
	s.accept(nil)
	s.out.queue(append([]byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 5}, "hello"...), 0)
	return s.expectFail(codec.CloseProtocolError)
}

// clientDeflateCases are groups 12 and 13 from the server's side: the
// server accepts the client's offer with each set of parameters and sends
// compressed messages, then the receiving rules, then replies to the
// offer that break RFC 7692 and that the client must refuse.
func clientDeflateCases() []*Case {
	cases := concat(group("Compression",
		&Case{ID: "12.1.1", Title: "plain permessage-deflate, 10 compressed text messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, client: deflateEchoes(&acceptPlain, text, 16, false)},
		&Case{ID: "12.1.2", Title: "plain permessage-deflate, 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, client: deflateEchoes(&acceptPlain, text, 1<<10, false)},
		&Case{ID: "12.1.3", Title: "plain permessage-deflate, 10 compressed text messages of 64 KiB", Expect: "10 echoes", RFC: rfcDeflate, client: deflateEchoes(&acceptPlain, text, 64<<10, false)},
		&Case{ID: "12.1.4", Title: "plain permessage-deflate, 10 compressed random binary messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, client: deflateEchoes(&acceptPlain, bin, 4<<10, true)},
		&Case{ID: "12.2.1", Title: "server_no_context_takeover, 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, client: deflateEchoes(&acceptServerNoTakeover, text, 1<<10, false)},
		&Case{ID: "12.2.2", Title: "server_no_context_takeover, 10 compressed text messages of 64 KiB", Expect: "10 echoes", RFC: rfcDeflate, client: deflateEchoes(&acceptServerNoTakeover, text, 64<<10, false)},
		&Case{ID: "12.3.1", Title: "client_no_context_takeover, 10 compressed text messages of 1 KiB", Expect: "10 echoes, each compressed on its own", RFC: rfcDeflate, client: deflateEchoes(&acceptClientNoTakeover, text, 1<<10, false)},
		&Case{ID: "12.3.2", Title: "client_no_context_takeover, 10 compressed text messages of 64 KiB", Expect: "10 echoes, each compressed on its own", RFC: rfcDeflate, client: deflateEchoes(&acceptClientNoTakeover, text, 64<<10, false)},
		&Case{ID: "12.4.1", Title: "server_max_window_bits=9, 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, client: deflateEchoes(&acceptServerWindow9, text, 1<<10, false)},
		&Case{ID: "12.4.2", Title: "server_max_window_bits=9, 10 compressed text messages of 64 KiB", Expect: "10 echoes", RFC: rfcDeflate, client: deflateEchoes(&acceptServerWindow9, text, 64<<10, false)},
		&Case{ID: "12.5.1", Title: "client_max_window_bits=10 (when offered), 10 compressed text messages of 1 KiB", Expect: "10 echoes, compressed with a 1 KiB window", RFC: rfcDeflate, client: deflateEchoes(&acceptClientWindow10, text, 1<<10, false)},
		&Case{ID: "12.5.2", Title: "client_max_window_bits=10 (when offered), 10 compressed text messages of 64 KiB", Expect: "10 echoes, compressed with a 1 KiB window", RFC: rfcDeflate, client: deflateEchoes(&acceptClientWindow10, text, 64<<10, false)},
		&Case{ID: "12.6.1", Title: "no context takeover either way and 10-bit windows, 10 compressed text messages of 64 KiB", Expect: "10 echoes", RFC: rfcDeflate, client: deflateEchoes(&acceptWindows10, text, 64<<10, false)},
	), group("Compression rules",
		&Case{ID: "13.1", Title: "compressed text message in fragments of 100 compressed bytes", Expect: clientEchoes, RFC: "RFC 7692 §6.1: the Per-Message Compressed bit is set on the first frame only", client: deflated(clientCompressedFragments)},
		&Case{ID: "13.2", Title: "uncompressed message after permessage-deflate was agreed", Expect: clientEchoes, RFC: "RFC 7692 §6: an endpoint may send a message uncompressed (RSV1 clear)", client: deflated(func(s *stage) (Verdict, string) {
			s.send(whole(text, "not compressed"))
			return s.finish(s.expectEcho(text, []byte("not compressed")))
		})},
		&Case{ID: "13.3", Title: "RSV1 set on the continuation frame of a compressed message", Expect: clientFail, RFC: "RFC 7692 §6.1: An endpoint MUST NOT set the \"Per-Message Compressed\" bit of ... non-first fragments of a data message", client: deflated((*stage).rsv1OnContinuation)},
		&Case{ID: "13.4", Title: "RSV1 set on a ping", Expect: clientFail, RFC: "RFC 7692 §6.1: ... MUST NOT set the \"Per-Message Compressed\" bit of control frames", client: deflated(func(s *stage) (Verdict, string) {
			s.send(withRsv(codec.Rsv1, ping, ""))
			return s.expectFail(codec.CloseProtocolError)
		})},
		&Case{ID: "13.5", Title: "RSV1 message whose payload is not DEFLATE data", Expect: clientFail07, RFC: "RFC 7692 §8: a corrupt compressed message ... _Fail the WebSocket Connection_", client: deflated(func(s *stage) (Verdict, string) {
			s.send(withRsv(codec.Rsv1, text, "\xff\xff\xff\xff\xff"))
			return s.expectFail(codec.CloseInvalidPayload)
		})},
		&Case{ID: "13.6", Title: "compressed text message that inflates to invalid UTF-8", Expect: clientFail07, RFC: rfcUTF8, client: deflated(func(s *stage) (Verdict, string) {
			s.send(s.compressed(text, []byte("κόσμε\xed\xa0\x80edited"), 0)...)
			return s.expectFail(codec.CloseInvalidPayload)
		})},
		&Case{ID: "13.7", Title: "64 KiB of compressed data that inflates to 64 MiB", Expect: "the client fails the connection (1009) without inflating it all", RFC: "RFC 6455 §10.4; RFC 7692 §8.1 (resource limits)", client: deflated((*stage).zipBomb)},
		&Case{ID: "13.8.1", Title: "reply with an unknown parameter (permessage-deflate; foo)", Expect: refuses, RFC: rfcDeflateReply, client: refusesReply("", "permessage-deflate; foo")},
		&Case{ID: "13.8.2", Title: "reply with client_max_window_bits=10 to an offer without it", Expect: refuses, RFC: "RFC 7692 §7.1.2.2: the client MUST _Fail the WebSocket Connection_ if the response includes client_max_window_bits and the offer did not", client: refusesUnofferedWindow},
		&Case{ID: "13.8.3", Title: "reply with server_max_window_bits=7", Expect: refuses, RFC: rfcDeflateReply, client: refusesReply("", "permessage-deflate; server_max_window_bits=7")},
		&Case{ID: "13.8.4", Title: "reply that accepts permessage-deflate twice", Expect: refuses, RFC: rfcDeflateReply, client: refusesReply("", "permessage-deflate, permessage-deflate")},
		&Case{ID: "13.8.5", Title: "reply with a value on server_no_context_takeover", Expect: refuses, RFC: rfcDeflateReply, client: refusesReply("", "permessage-deflate; server_no_context_takeover=1")},
		&Case{ID: "13.8.6", Title: "reply with server_max_window_bits and no value", Expect: refuses, RFC: rfcDeflateReply, client: refusesReply("", "permessage-deflate; server_max_window_bits")},
	))
	for _, c := range cases {
		c.deflate = true
	}
	return cases
}

const rfcDeflateReply = "RFC 7692 §5: if a received response ... is invalid ... the client MUST _Fail the WebSocket Connection_; §7.1: parameters, their values"

// What the server accepts in groups 12 and 13.
var (
	acceptPlain            = deflate.ServerOptions{}
	acceptServerNoTakeover = deflate.ServerOptions{ServerNoContextTakeover: true}
	acceptClientNoTakeover = deflate.ServerOptions{ClientNoContextTakeover: true}
	acceptServerWindow9    = deflate.ServerOptions{ServerMaxWindowBits: 9}
	acceptClientWindow10   = deflate.ServerOptions{ClientMaxWindowBits: 10}
	acceptWindows10        = deflate.ServerOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 10}
)

// deflated accepts the client's permessage-deflate offer as it is and
// runs run; a client that offered none gets INFO.
func deflated(run clientRun) clientRun {
	return func(s *stage) (Verdict, string) {
		if !s.accept(&acceptPlain) {
			return Info, "the client did not offer permessage-deflate"
		}
		return run(s)
	}
}

// deflateEchoes accepts the offer with opts and sends 10 compressed
// messages of about n bytes.
func deflateEchoes(opts *deflate.ServerOptions, op codec.Opcode, n int, random bool) clientRun {
	return func(s *stage) (Verdict, string) {
		_, windowBits := s.offered()
		if opts.ClientMaxWindowBits != 0 && !windowBits {
			s.accept(nil)
			return s.finish(Info, "the client did not offer client_max_window_bits")
		}
		if !s.accept(opts) {
			return s.finish(Info, "the client did not offer permessage-deflate")
		}
		for i := range 10 {
			payload := deflatePayload(n, random, uint64(i))
			s.send(s.compressed(op, payload, 0)...)
			if v, o := s.expectEcho(op, payload); v != Pass {
				return v, fmt.Sprintf("message %d: %s (agreed %q)", i, o, s.ext)
			}
		}
		return s.finish(Pass, "10 echoes; agreed "+s.ext)
	}
}

func clientCompressedFragments(s *stage) (Verdict, string) {
	payload := deflatePayload(64<<10, false, 1)
	s.send(s.compressed(text, payload, 100)...)
	return s.finish(s.expectEcho(text, payload))
}

// refusesUnofferedWindow replies with client_max_window_bits to an offer
// that left it out; a client that offered it gets INFO.
func refusesUnofferedWindow(s *stage) (Verdict, string) {
	if _, windowBits := s.offered(); windowBits {
		s.accept(nil)
		return s.finish(Info, "the client offered client_max_window_bits")
	}
	return refusesReply("", "permessage-deflate; client_max_window_bits=10")(s)
}

// clientHandshakeCases are group H from the server's side: replies the
// client must refuse, and valid replies written unusually.
func clientHandshakeCases() []*Case {
	const rfcReply = "§4.1: If the server's response is not valid ... the client MUST _Fail the WebSocket Connection_"
	return group("Opening handshake",
		&Case{ID: "H.1", Title: "Sec-WebSocket-Accept for another key", Expect: refuses, RFC: rfcReply + " (4. the |Sec-WebSocket-Accept| ... MUST be the base64-encoded SHA-1 of the concatenation of the |Sec-WebSocket-Key| ... with the string 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)",
			client: refusesEdited(wrongAccept)},
		&Case{ID: "H.2", Title: "no Sec-WebSocket-Accept", Expect: refuses, RFC: rfcReply, client: refusesEdited(dropLine("Sec-WebSocket-Accept"))},
		&Case{ID: "H.3", Title: "status 200 instead of 101 (with an empty body)", Expect: refuses, RFC: rfcReply + " (1. If the status code received from the server is not 101, the client handles the response per HTTP procedures)",
			client: refusesEdited(edit("101 Switching Protocols", "200 OK"), edit("\r\n\r\n", "\r\nContent-Length: 0\r\n\r\n"))},
		&Case{ID: "H.4", Title: "no Upgrade header", Expect: refuses, RFC: rfcReply + " (2. If the response lacks an |Upgrade| header field ...)", client: refusesEdited(dropLine("Upgrade"))},
		&Case{ID: "H.5", Title: "Upgrade: h2c instead of websocket", Expect: refuses, RFC: rfcReply, client: refusesEdited(edit("Upgrade: websocket", "Upgrade: h2c"))},
		&Case{ID: "H.6", Title: "no Connection header", Expect: refuses, RFC: rfcReply + " (3. If the response lacks a |Connection| header field ...)", client: refusesEdited(dropLine("Connection"))},
		&Case{ID: "H.7", Title: "a subprotocol the client did not offer", Expect: refuses, RFC: rfcReply + " (6. If the response includes a |Sec-WebSocket-Protocol| header field and this header field indicates the use of a subprotocol that was not present in the client's handshake ...)", client: refusesReply("wsframe-not-offered", "")},
		&Case{ID: "H.8", Title: "an extension the client did not offer", Expect: refuses, RFC: rfcReply + " (5. If the response includes a |Sec-WebSocket-Extensions| header field and this header field indicates the use of an extension that was not present in the client's handshake ...)", client: refusesReply("", "x-wsframe-not-offered")},
		&Case{ID: "H.9", Title: "the reply and the first message in one write", Expect: "the message echoed: bytes read past the reply are not lost", RFC: "§4.1, §5", client: replyWithMessage},
		&Case{ID: "H.10", Title: "the reply written one byte at a time", Expect: clientEchoes, RFC: "§4.1", client: replyByteByByte},
		&Case{ID: "H.11", Title: "header names in lower case and Connection: keep-alive, Upgrade", Expect: clientEchoes, RFC: "§4.1: header field names are compared without regard to case; |Connection| ... contains a token that is an ASCII case-insensitive match for Upgrade",
			client: replyEdited(edit("Upgrade: websocket", "upgrade: websocket"), edit("Connection: Upgrade", "connection: keep-alive, Upgrade"), edit("Sec-WebSocket-Accept", "sec-websocket-accept"))},
	)
}

const refuses = "the client refuses: it closes the connection without a frame"

// refusesReply answers with 101 naming protocol and ext, which the client
// must refuse.
func refusesReply(protocol, ext string) clientRun {
	return func(s *stage) (Verdict, string) {
		s.out.queue(s.response(protocol, ext), 0)
		return s.expectRefusal()
	}
}

// refusesEdited answers with a 101 reply changed by edits, which the
// client must refuse.
func refusesEdited(edits ...func(string) string) clientRun {
	return func(s *stage) (Verdict, string) {
		s.out.queue(s.editedResponse(edits...), 0)
		return s.expectRefusal()
	}
}

// replyEdited answers with a valid reply written unusually and expects
// the connection to work.
func replyEdited(edits ...func(string) string) clientRun {
	return func(s *stage) (Verdict, string) {
		s.out.queue(s.editedResponse(edits...), 0)
		s.send(whole(text, "after the reply"))
		return s.finish(s.expectEcho(text, []byte("after the reply")))
	}
}

func (s *stage) editedResponse(edits ...func(string) string) []byte {
	r := string(s.response("", ""))
	for _, e := range edits {
		r = e(r)
	}
	return []byte(r)
}

// dropLine removes the header field name from a reply.
func dropLine(name string) func(string) string {
	return func(r string) string {
		lines := strings.Split(r, "\r\n")
		for i, l := range lines {
			if strings.HasPrefix(l, name+":") {
				return strings.Join(append(lines[:i:i], lines[i+1:]...), "\r\n")
			}
		}
		return r
	}
}

// wrongAccept replaces the accept value with that of a fresh key.
func wrongAccept(r string) string {
	i := strings.Index(r, "Sec-WebSocket-Accept: ") + len("Sec-WebSocket-Accept: ")
	key := handshake.NewKey()
	return r[:i] + string(handshake.AppendAccept(nil, key[:])) + r[i+handshake.AcceptLen:]
}

func replyWithMessage(s *stage) (Verdict, string) {
	s.out.queue(appendFrame(s.response("", ""), whole(text, "with the reply"), false), 0)
	return s.finish(s.expectEcho(text, []byte("with the reply")))
}

func replyByteByByte(s *stage) (Verdict, string) {
	s.writePieces(s.response("", ""), 1, time.Millisecond)
	s.send(whole(text, "after the reply"))
	return s.finish(s.expectEcho(text, []byte("after the reply")))
}
