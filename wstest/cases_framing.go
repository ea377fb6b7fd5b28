package wstest

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// RFC 6455's words for groups 1 to 5.
const (
	rfcLengths   = "§5.2 payload length encodings"
	rfcPing      = "§5.5.2: Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response"
	rfcPong      = "§5.5.3: A Pong frame MAY be sent unsolicited ... A response to an unsolicited Pong frame is not expected"
	rfcControl   = "§5.5: All control frames MUST have a payload length of 125 bytes or less"
	rfcRsv       = "§5.2: If a nonzero value is received and none of the negotiated extensions defines the meaning of such a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_"
	rfcOpcode    = "§5.2: If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_"
	rfcFragments = "§5.4: Control frames MAY be injected in the middle of a fragmented message ... the fragments of one message MUST NOT be interleaved"
	rfcCtlFrag   = "§5.5: All control frames ... MUST NOT be fragmented"
	rfcContinue  = "§5.4: a fragmented message ... starts with a frame with an opcode other than 0"
)

// What conforming servers do, as the tables say it.
const (
	echoed   = "echoed"
	fail1002 = "fail the connection (1002)"
	fail1007 = "fail the connection (1007)"
	aPong    = "a pong with the same payload"
)

// framingCases are groups 1 to 5: framing, pings, reserved bits, reserved
// opcodes and fragmentation, in the order of the Autobahn Testsuite's
// groups of the same numbers, each written from RFC 6455.
func framingCases() []*Case {
	return concat(
		group("Framing",
			&Case{ID: "1.1.1", Title: "text message of 0 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(text, 0)},
			&Case{ID: "1.1.2", Title: "text message of 125 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(text, 125)},
			&Case{ID: "1.1.3", Title: "text message of 126 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(text, 126)},
			&Case{ID: "1.1.4", Title: "text message of 127 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(text, 127)},
			&Case{ID: "1.1.5", Title: "text message of 128 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(text, 128)},
			&Case{ID: "1.1.6", Title: "text message of 65535 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(text, 65535)},
			&Case{ID: "1.1.7", Title: "text message of 65536 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(text, 65536)},
			&Case{ID: "1.1.8", Title: "text message of 65536 bytes written in 997-byte pieces", Expect: echoed, RFC: "§5.2", server: echoInPieces(text, 65536, 997)},
			&Case{ID: "1.2.1", Title: "binary message of 0 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(bin, 0)},
			&Case{ID: "1.2.2", Title: "binary message of 125 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(bin, 125)},
			&Case{ID: "1.2.3", Title: "binary message of 126 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(bin, 126)},
			&Case{ID: "1.2.4", Title: "binary message of 127 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(bin, 127)},
			&Case{ID: "1.2.5", Title: "binary message of 128 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(bin, 128)},
			&Case{ID: "1.2.6", Title: "binary message of 65535 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(bin, 65535)},
			&Case{ID: "1.2.7", Title: "binary message of 65536 bytes", Expect: echoed, RFC: rfcLengths, server: echoSize(bin, 65536)},
			&Case{ID: "1.2.8", Title: "binary message of 65536 bytes written in 997-byte pieces", Expect: echoed, RFC: "§5.2", server: echoInPieces(bin, 65536, 997)},
			&Case{ID: "1.3.1", Title: "10 text messages in one write", Expect: "10 echoes in order", RFC: "§5.4, §6.2", server: tenInOneWrite},
		),
		group("Pings and pongs",
			&Case{ID: "2.1", Title: "ping without payload", Expect: aPong, RFC: rfcPing, server: pingPong("", 0)},
			&Case{ID: "2.2", Title: "ping with text payload", Expect: aPong, RFC: rfcPing, server: pingPong("Hello, world!", 0)},
			&Case{ID: "2.3", Title: "ping with binary payload", Expect: aPong, RFC: rfcPing, server: pingPong("\x00\xff\xfe\xfd\xfc\xfb\x00\xff", 0)},
			&Case{ID: "2.4", Title: "ping with 125-byte payload", Expect: aPong, RFC: rfcPing, server: pingPong(strings.Repeat("\xfe", 125), 0)},
			&Case{ID: "2.5", Title: "ping with 126-byte payload", Expect: fail1002, RFC: rfcControl, server: failsWith(codec.CloseProtocolError, whole(ping, strings.Repeat("\xfe", 126)))},
			&Case{ID: "2.6", Title: "ping with 125-byte payload written one byte at a time", Expect: aPong, RFC: rfcPing, server: pingPong(strings.Repeat("\xfe", 125), 1)},
			&Case{ID: "2.7", Title: "unsolicited pong without payload", Expect: "nothing", RFC: rfcPong, server: silentAfter(whole(pong, ""))},
			&Case{ID: "2.8", Title: "unsolicited pong with payload", Expect: "nothing", RFC: rfcPong, server: silentAfter(whole(pong, "unsolicited pong payload"))},
			&Case{ID: "2.9", Title: "unsolicited pong, then ping", Expect: "a pong for the ping only", RFC: rfcPong, server: pongAfter(whole(pong, "unsolicited pong payload"), whole(ping, "ping payload"))},
			&Case{ID: "2.10", Title: "10 pings in one write", Expect: "10 pongs, in order", RFC: rfcPing, server: tenPings(false)},
			&Case{ID: "2.11", Title: "10 pings, each written one byte at a time", Expect: "10 pongs, in order", RFC: rfcPing, server: tenPings(true)},
		),
		group("Reserved bits",
			&Case{ID: "3.1", Title: "text with RSV1 set", Expect: fail1002, RFC: rfcRsv, server: failsWith(codec.CloseProtocolError, withRsv(codec.Rsv1, text, "Hello, world!"))},
			&Case{ID: "3.2", Title: "valid text, then text with RSV bits 010, then ping", Expect: rsvExpect, RFC: rfcRsv, server: rsvAfterText(withRsv(codec.Rsv2, text, "Hello, world!"), false)},
			&Case{ID: "3.3", Title: "valid text, then text with RSV bits 001, then ping", Expect: rsvExpect, RFC: rfcRsv, server: rsvAfterText(withRsv(codec.Rsv3, text, "Hello, world!"), true)},
			&Case{ID: "3.4", Title: "valid text, then text with RSV bits 110, then ping", Expect: rsvExpect, RFC: rfcRsv, server: rsvAfterText(withRsv(codec.Rsv1|codec.Rsv2, text, "Hello, world!"), true)},
			&Case{ID: "3.5", Title: "valid text, then binary with RSV bits 101, then ping", Expect: rsvExpect, RFC: rfcRsv, server: rsvAfterText(withRsv(codec.Rsv1|codec.Rsv3, bin, "Hello, world!"), false)},
			&Case{ID: "3.6", Title: "valid text, then ping with RSV bits 011, then ping", Expect: rsvExpect, RFC: rfcRsv, server: rsvAfterText(withRsv(codec.Rsv2|codec.Rsv3, ping, "Hello, world!"), false)},
			&Case{ID: "3.7", Title: "valid text, then close with RSV bits 111, then ping", Expect: rsvExpect, RFC: rfcRsv, server: rsvAfterText(withRsv(7, closeO, "\x03\xe8"), false)},
		),
		group("Opcodes",
			&Case{ID: "4.1.1", Title: "reserved opcode 3", Expect: fail1002, RFC: rfcOpcode, server: reservedOpcode(whole(3, ""), false, false)},
			&Case{ID: "4.1.2", Title: "reserved opcode 4 with payload", Expect: fail1002, RFC: rfcOpcode, server: reservedOpcode(whole(4, "reserved opcode payload"), false, false)},
			&Case{ID: "4.1.3", Title: "reserved opcode 5, after a valid text message", Expect: fail1002, RFC: rfcOpcode, server: reservedOpcode(whole(5, ""), true, false)},
			&Case{ID: "4.1.4", Title: "reserved opcode 6 with payload, after a valid text message", Expect: fail1002, RFC: rfcOpcode, server: reservedOpcode(whole(6, "reserved opcode payload"), true, false)},
			&Case{ID: "4.1.5", Title: "reserved opcode 7, after a valid text message", Expect: fail1002, RFC: rfcOpcode, server: reservedOpcode(whole(7, ""), true, true)},
			&Case{ID: "4.2.1", Title: "reserved opcode 11", Expect: fail1002, RFC: rfcOpcode, server: reservedOpcode(whole(11, ""), false, false)},
			&Case{ID: "4.2.2", Title: "reserved opcode 12 with payload", Expect: fail1002, RFC: rfcOpcode, server: reservedOpcode(whole(12, "reserved opcode payload"), false, false)},
			&Case{ID: "4.2.3", Title: "reserved opcode 13, after a valid text message", Expect: fail1002, RFC: rfcOpcode, server: reservedOpcode(whole(13, ""), true, false)},
			&Case{ID: "4.2.4", Title: "reserved opcode 14 with payload, after a valid text message", Expect: fail1002, RFC: rfcOpcode, server: reservedOpcode(whole(14, "reserved opcode payload"), true, false)},
			&Case{ID: "4.2.5", Title: "reserved opcode 15, after a valid text message", Expect: fail1002, RFC: rfcOpcode, server: reservedOpcode(whole(15, ""), true, true)},
		),
		group("Fragmentation",
			&Case{ID: "5.1", Title: "ping in two fragments", Expect: fail1002, RFC: rfcCtlFrag, server: failsWith(codec.CloseProtocolError, f(false, ping, "fragment1"), f(true, cont, "fragment2"))},
			&Case{ID: "5.2", Title: "pong in two fragments", Expect: fail1002, RFC: rfcCtlFrag, server: failsWith(codec.CloseProtocolError, f(false, pong, "fragment1"), f(true, cont, "fragment2"))},
			&Case{ID: "5.3", Title: "text message in two fragments", Expect: "echoed whole", RFC: rfcFragments, server: fragmented(wholeWrites, 0)},
			&Case{ID: "5.4", Title: "text message in two fragments, written one byte at a time", Expect: "echoed whole", RFC: rfcFragments, server: fragmented(byteWrites, 0)},
			&Case{ID: "5.5", Title: "text message in two fragments, written one byte at a time with pauses", Expect: "echoed whole", RFC: rfcFragments, server: fragmented(slowWrites, 0)},
			&Case{ID: "5.6", Title: "text message in two fragments with a ping between them", Expect: "a pong, then the message echoed whole", RFC: rfcFragments, server: fragmented(wholeWrites, 1)},
			&Case{ID: "5.7", Title: "text message in two fragments with a ping between them, written one byte at a time", Expect: "a pong, then the message echoed whole", RFC: rfcFragments, server: fragmented(byteWrites, 1)},
			&Case{ID: "5.8", Title: "text message in two fragments with a ping between them, written one byte at a time with pauses", Expect: "a pong, then the message echoed whole", RFC: rfcFragments, server: fragmented(slowWrites, 1)},
			&Case{ID: "5.9", Title: "continuation (FIN=true) with nothing to continue, then a text message", Expect: fail1002, RFC: rfcContinue, server: strayContinuation(true, wholeWrites)},
			&Case{ID: "5.10", Title: "continuation (FIN=true) with nothing to continue, then a text message, written one byte at a time", Expect: fail1002, RFC: rfcContinue, server: strayContinuation(true, byteWrites)},
			&Case{ID: "5.11", Title: "continuation (FIN=true) with nothing to continue, then a text message, written one byte at a time with pauses", Expect: fail1002, RFC: rfcContinue, server: strayContinuation(true, slowWrites)},
			&Case{ID: "5.12", Title: "continuation (FIN=false) with nothing to continue, then a text message", Expect: fail1002, RFC: rfcContinue, server: strayContinuation(false, wholeWrites)},
			&Case{ID: "5.13", Title: "continuation (FIN=false) with nothing to continue, then a text message, written one byte at a time", Expect: fail1002, RFC: rfcContinue, server: strayContinuation(false, byteWrites)},
			&Case{ID: "5.14", Title: "continuation (FIN=false) with nothing to continue, then a text message, written one byte at a time with pauses", Expect: fail1002, RFC: rfcContinue, server: strayContinuation(false, slowWrites)},
			&Case{ID: "5.15", Title: "a fragmented text message, then a continuation with nothing to continue", Expect: "echo of the message, then fail the connection (1002)", RFC: "§5.4", server: strayAfterMessage},
			&Case{ID: "5.16", Title: "twice: continuation (FIN=false), then text (FIN=false), then continuation (FIN=true)", Expect: fail1002, RFC: "§5.4", server: strayTwice(false)},
			&Case{ID: "5.17", Title: "twice: continuation (FIN=true), then text (FIN=false), then continuation (FIN=true)", Expect: fail1002, RFC: "§5.4", server: strayTwice(true)},
			&Case{ID: "5.18", Title: "text (FIN=false), then another text (FIN=true) inside it", Expect: fail1002, RFC: rfcFragments, server: failsWith(codec.CloseProtocolError, f(false, text, "fragment1"), f(true, text, "fragment2"))},
			&Case{ID: "5.19", Title: "text message in 5 fragments with 2 pings between them, sent with pauses", Expect: "2 pongs, then the message echoed whole", RFC: rfcFragments, server: slowFragments(wholeWrites)},
			&Case{ID: "5.20", Title: "text message in 5 fragments with 2 pings between them, sent with pauses, one byte at a time", Expect: "2 pongs, then the message echoed whole", RFC: rfcFragments, server: slowFragments(byteWrites)},
		),
	)
}

const rsvExpect = "echo of the first message, then fail the connection (1002) without a pong"

// group sets the group name of cases.
func group(name string, cases ...*Case) []*Case {
	for _, c := range cases {
		c.Group = name
	}
	return cases
}

func concat(groups ...[]*Case) []*Case {
	var out []*Case
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// echoOf sends frames in one write and expects the message they make
// echoed.
func echoOf(frames ...frame) serverRun {
	op, want := message(frames)
	return func(p *probe) (Verdict, string) {
		p.send(frames...)
		return p.expectEcho(op, want)
	}
}

// echoSize sends a message of op of n bytes in one frame and expects it
// echoed.
func echoSize(op codec.Opcode, n int) serverRun {
	return func(p *probe) (Verdict, string) {
		payload := bytes.Repeat([]byte("*"), n)
		p.send(frame{fin: true, op: op, payload: payload})
		return p.expectEcho(op, payload)
	}
}

// echoInPieces is echoSize with the frame written in pieces.
func echoInPieces(op codec.Opcode, n, piece int) serverRun {
	return func(p *probe) (Verdict, string) {
		payload := bytes.Repeat([]byte("*"), n)
		p.sendPieces(piece, 0, frame{fin: true, op: op, payload: payload})
		return p.expectEcho(op, payload)
	}
}

func tenInOneWrite(p *probe) (Verdict, string) {
	var frames []frame
	var steps []check
	for i := range 10 {
		m := fmt.Sprintf("message %d", i)
		frames = append(frames, whole(text, m))
		steps = append(steps, func() (Verdict, string) { return p.expectEcho(text, []byte(m)) })
	}
	p.send(frames...)
	return then(steps...)
}

// failsWith sends frames and expects the server to fail the connection
// with code.
func failsWith(code codec.CloseCode, frames ...frame) serverRun {
	return func(p *probe) (Verdict, string) {
		p.send(frames...)
		return p.expectFail(code)
	}
}

// silentAfter sends frames and expects nothing back.
func silentAfter(frames ...frame) serverRun {
	return func(p *probe) (Verdict, string) {
		p.send(frames...)
		return p.expectSilence(p.quiet)
	}
}

// pingPong sends a ping with payload, in pieces of piece bytes when piece
// is positive, and expects its pong.
func pingPong(payload string, piece int) serverRun {
	return func(p *probe) (Verdict, string) {
		if piece > 0 {
			p.sendPieces(piece, time.Millisecond, whole(ping, payload))
		} else {
			p.send(whole(ping, payload))
		}
		return p.expectPong([]byte(payload))
	}
}

// pongAfter sends before and a ping and expects the ping's pong only.
func pongAfter(before, pingFrame frame) serverRun {
	return func(p *probe) (Verdict, string) {
		p.send(before, pingFrame)
		return p.expectPong(pingFrame.payload)
	}
}

func tenPings(slow bool) serverRun {
	return func(p *probe) (Verdict, string) {
		var steps []check
		for i := range 10 {
			payload := fmt.Sprintf("payload-%d", i)
			if slow {
				p.sendPieces(1, time.Millisecond, whole(ping, payload))
			} else {
				p.send(whole(ping, payload))
			}
			steps = append(steps, func() (Verdict, string) { return p.expectPong([]byte(payload)) })
		}
		return then(steps...)
	}
}

// rsvAfterText sends a valid text message, then bad (written a byte at a
// time when slow), then a ping; the server echoes the first and fails
// without answering the ping.
func rsvAfterText(bad frame, slow bool) serverRun {
	return func(p *probe) (Verdict, string) {
		p.send(whole(text, "Hello, world!"))
		if slow {
			p.sendPieces(1, time.Millisecond, bad)
		} else {
			p.send(bad)
		}
		p.send(whole(ping, ""))
		return then(func() (Verdict, string) { return p.expectEcho(text, []byte("Hello, world!")) },
			func() (Verdict, string) { return p.expectFail(codec.CloseProtocolError) })
	}
}

// reservedOpcode sends bad, after a valid text message when afterText,
// written a byte at a time when slow, then a ping.
func reservedOpcode(bad frame, afterText, slow bool) serverRun {
	return func(p *probe) (Verdict, string) {
		var steps []check
		if afterText {
			p.send(whole(text, "Hello, world!"))
			steps = append(steps, func() (Verdict, string) { return p.expectEcho(text, []byte("Hello, world!")) })
		}
		if slow {
			p.sendPieces(1, time.Millisecond, bad)
		} else {
			p.send(bad)
		}
		p.send(whole(ping, ""))
		steps = append(steps, func() (Verdict, string) { return p.expectFail(codec.CloseProtocolError) })
		return then(steps...)
	}
}

// How the fragmentation cases write their frames.
type writes int

const (
	wholeWrites writes = iota // a write per frame
	byteWrites                // a write per byte
	slowWrites                // a write per byte, 1 ms apart
)

func (p *probe) sendAs(w writes, frames ...frame) {
	for _, fr := range frames {
		switch w {
		case wholeWrites:
			p.send(fr)
		case byteWrites:
			p.sendPieces(1, 0, fr)
		default:
			p.sendPieces(1, time.Millisecond, fr)
		}
	}
}

// fragmented sends "fragment1" and "fragment2" as one text message, with
// pings ping between them, and expects the pongs then the echo.
func fragmented(w writes, pings int) serverRun {
	return func(p *probe) (Verdict, string) {
		frames := []frame{f(false, text, "fragment1")}
		var steps []check
		for range pings {
			frames = append(frames, whole(ping, "ping payload"))
			steps = append(steps, func() (Verdict, string) { return p.expectPong([]byte("ping payload")) })
		}
		p.sendAs(w, append(frames, f(true, cont, "fragment2"))...)
		steps = append(steps, func() (Verdict, string) { return p.expectEcho(text, []byte("fragment1fragment2")) })
		return then(steps...)
	}
}

func strayContinuation(fin bool, w writes) serverRun {
	return func(p *probe) (Verdict, string) {
		p.sendAs(w, f(fin, cont, "non-continuation payload"), whole(text, "Hello, world!"))
		return p.expectFail(codec.CloseProtocolError)
	}
}

func strayAfterMessage(p *probe) (Verdict, string) {
	p.send(f(false, text, "fragment1"), f(true, cont, "fragment2"), f(false, cont, "fragment3"), f(true, text, "fragment4"))
	return then(func() (Verdict, string) { return p.expectEcho(text, []byte("fragment1fragment2")) },
		func() (Verdict, string) { return p.expectFail(codec.CloseProtocolError) })
}

func strayTwice(fin bool) serverRun {
	return func(p *probe) (Verdict, string) {
		for range 2 {
			p.send(f(fin, cont, "fragment1"), f(false, text, "fragment2"), f(true, cont, "fragment3"))
		}
		return p.expectFail(codec.CloseProtocolError)
	}
}

// slowFragments sends a message in 5 fragments with 2 pings among them,
// pausing a fifth of the quiet time after each frame.
func slowFragments(w writes) serverRun {
	return func(p *probe) (Verdict, string) {
		pause := p.quiet / 5
		for _, fr := range []frame{f(false, text, "fragment1"), f(false, cont, "fragment2"), whole(ping, "pongme 1!"),
			f(false, cont, "fragment3"), whole(ping, "pongme 2!"), f(false, cont, "fragment4"), f(true, cont, "fragment5")} {
			p.sendAs(w, fr)
			time.Sleep(pause)
		}
		return then(func() (Verdict, string) { return p.expectPong([]byte("pongme 1!")) },
			func() (Verdict, string) { return p.expectPong([]byte("pongme 2!")) },
			func() (Verdict, string) {
				return p.expectEcho(text, []byte("fragment1fragment2fragment3fragment4fragment5"))
			})
	}
}
