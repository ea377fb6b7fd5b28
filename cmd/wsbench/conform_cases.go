package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// Shorthands for the catalogue.
const (
	text   = codec.OpText
	bin    = codec.OpBinary
	cont   = codec.OpContinuation
	ping   = codec.OpPing
	pong   = codec.OpPong
	closeO = codec.OpClose
)

func fr(fin bool, op codec.Opcode, p string) []byte { return frameBytes(fin, 0, op, []byte(p)) }
func frRsv(rsv uint8, op codec.Opcode, p string) []byte {
	return frameBytes(true, rsv, op, []byte(p))
}
func closeFrame(code codec.CloseCode, reason string) []byte {
	return frameBytes(true, 0, closeO, codec.AppendClose(nil, code, reason))
}

// then runs the checks in order and returns the first that does not pass.
func then(steps ...func() (string, string)) (string, string) {
	var obs []string
	verdict := verdictPass
	for _, s := range steps {
		v, o := s()
		obs = append(obs, o)
		switch v {
		case verdictFail:
			return v, strings.Join(obs, "; ")
		case verdictNonStrict:
			verdict = v
		}
	}
	return verdict, strings.Join(obs, "; ")
}

func sendThen(c *confConn, frames [][]byte, check func() (string, string)) (string, string) {
	if err := c.send(frames...); err != nil {
		return verdictFail, "write: " + err.Error()
	}
	return check()
}

// conformCases returns the catalogue, in the order of the Autobahn
// Testsuite's case groups, each case written from RFC 6455.
func conformCases() []confCase {
	var cs []confCase
	add := func(c confCase) { cs = append(cs, c) }
	failCode := codec.CloseProtocolError

	// 1: framing, every length encoding (§5.2), whole and chopped.
	for i, op := range []codec.Opcode{text, bin} {
		g := fmt.Sprintf("1.%d", i+1)
		for j, n := range []int{0, 125, 126, 127, 128, 65535, 65536} {
			payload := strings.Repeat("*", n)
			add(confCase{id: fmt.Sprintf("%s.%d", g, j+1), desc: fmt.Sprintf("%v message of %d bytes", op, n),
				expect: "echoed", rfc: "§5.2 payload length encodings",
				run: func(c *confConn) (string, string) {
					return sendThen(c, [][]byte{frameBytes(true, 0, op, []byte(payload))}, func() (string, string) { return c.expectEcho(op, []byte(payload)) })
				}})
		}
		add(confCase{id: g + ".8", desc: fmt.Sprintf("%v message of 65536 bytes written in 997-byte pieces", op),
			expect: "echoed", rfc: "§5.2",
			run: func(c *confConn) (string, string) {
				payload := bytes.Repeat([]byte("*"), 65536)
				if err := c.sendChopped(frameBytes(true, 0, op, payload), 997, 0); err != nil {
					return verdictFail, err.Error()
				}
				return c.expectEcho(op, payload)
			}})
	}
	add(confCase{id: "1.3.1", desc: "10 text messages in one write", expect: "10 echoes in order", rfc: "§5.4, §6.2",
		run: func(c *confConn) (string, string) {
			var b []byte
			for i := 0; i < 10; i++ {
				b = append(b, fr(true, text, fmt.Sprintf("message %d", i))...)
			}
			c.send(b)
			var steps []func() (string, string)
			for i := 0; i < 10; i++ {
				steps = append(steps, func() (string, string) { return c.expectEcho(text, []byte(fmt.Sprintf("message %d", i))) })
			}
			return then(steps...)
		}})

	// 2: pings and pongs (§5.5.2, §5.5.3).
	pingCase := func(id, desc string, payload []byte, chop int) {
		add(confCase{id: id, desc: desc, expect: "a pong with the same payload", rfc: "§5.5.2: Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response",
			run: func(c *confConn) (string, string) {
				f := frameBytes(true, 0, ping, payload)
				if chop > 0 {
					c.sendChopped(f, chop, time.Millisecond)
				} else {
					c.send(f)
				}
				return c.expectPong(payload)
			}})
	}
	pingCase("2.1", "ping without payload", nil, 0)
	pingCase("2.2", "ping with text payload", []byte("Hello, world!"), 0)
	pingCase("2.3", "ping with binary payload", []byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}, 0)
	pingCase("2.4", "ping with 125-byte payload", bytes.Repeat([]byte{0xfe}, 125), 0)
	add(confCase{id: "2.5", desc: "ping with 126-byte payload", expect: "fail the connection (1002)", rfc: "§5.5: All control frames MUST have a payload length of 125 bytes or less",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{frameBytes(true, 0, ping, bytes.Repeat([]byte{0xfe}, 126))}, func() (string, string) { return c.expectFail(failCode) })
		}})
	pingCase("2.6", "ping with 125-byte payload written one byte at a time", bytes.Repeat([]byte{0xfe}, 125), 1)
	add(confCase{id: "2.7", desc: "unsolicited pong without payload", expect: "nothing", rfc: "§5.5.3: A Pong frame MAY be sent unsolicited ... A response to an unsolicited Pong frame is not expected",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(true, pong, "")}, func() (string, string) { return c.expectSilence(c.quiet) })
		}})
	add(confCase{id: "2.8", desc: "unsolicited pong with payload", expect: "nothing", rfc: "§5.5.3",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(true, pong, "unsolicited pong payload")}, func() (string, string) { return c.expectSilence(c.quiet) })
		}})
	add(confCase{id: "2.9", desc: "unsolicited pong, then ping", expect: "a pong for the ping only", rfc: "§5.5.3",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(true, pong, "unsolicited pong payload"), fr(true, ping, "ping payload")}, func() (string, string) { return c.expectPong([]byte("ping payload")) })
		}})
	for _, slow := range []bool{false, true} {
		id, desc := "2.10", "10 pings in one write"
		if slow {
			id, desc = "2.11", "10 pings, each written one byte at a time"
		}
		add(confCase{id: id, desc: desc, expect: "10 pongs, in order", rfc: "§5.5.2",
			run: func(c *confConn) (string, string) {
				for i := 0; i < 10; i++ {
					f := fr(true, ping, fmt.Sprintf("payload-%d", i))
					if slow {
						c.sendChopped(f, 1, time.Millisecond)
					} else {
						c.send(f)
					}
				}
				var steps []func() (string, string)
				for i := 0; i < 10; i++ {
					steps = append(steps, func() (string, string) { return c.expectPong([]byte(fmt.Sprintf("payload-%d", i))) })
				}
				return then(steps...)
			}})
	}

	// 3: reserved bits (§5.2): no extension was negotiated.
	rsvRFC := "§5.2: If a nonzero value is received and none of the negotiated extensions defines the meaning of such a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_"
	add(confCase{id: "3.1", desc: "text with RSV1 set", expect: "fail the connection (1002)", rfc: rsvRFC,
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{frRsv(codec.Rsv1, text, "Hello, world!")}, func() (string, string) { return c.expectFail(failCode) })
		}})
	for i, tc := range []struct {
		rsv  uint8
		op   codec.Opcode
		chop bool
	}{{codec.Rsv2, text, false}, {codec.Rsv3, text, true}, {codec.Rsv1 | codec.Rsv2, text, true}, {codec.Rsv1 | codec.Rsv3, bin, false}, {codec.Rsv2 | codec.Rsv3, ping, false}, {7, closeO, false}} {
		add(confCase{id: fmt.Sprintf("3.%d", i+2), desc: fmt.Sprintf("valid text, then %v with RSV bits %03b, then ping", tc.op, tc.rsv),
			expect: "echo of the first message, then fail the connection (1002) without a pong", rfc: rsvRFC,
			run: func(c *confConn) (string, string) {
				bad := frameBytes(true, tc.rsv, tc.op, []byte("Hello, world!"))
				if tc.op == closeO {
					bad = frameBytes(true, tc.rsv, tc.op, codec.AppendClose(nil, codec.CloseNormal, ""))
				}
				c.send(fr(true, text, "Hello, world!"))
				if tc.chop {
					c.sendChopped(bad, 1, time.Millisecond)
				} else {
					c.send(bad)
				}
				c.send(fr(true, ping, ""))
				return then(func() (string, string) { return c.expectEcho(text, []byte("Hello, world!")) },
					func() (string, string) { return c.expectFail(failCode) })
			}})
	}

	// 4: reserved opcodes (§5.2).
	opRFC := "§5.2: If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_"
	for g, ops := range [][]codec.Opcode{{3, 4, 5, 6, 7}, {11, 12, 13, 14, 15}} {
		for i, op := range ops {
			withPayload := i%2 == 1
			afterText := i >= 2
			add(confCase{id: fmt.Sprintf("4.%d.%d", g+1, i+1), desc: fmt.Sprintf("reserved opcode %d%s%s", op,
				map[bool]string{true: " with payload", false: ""}[withPayload], map[bool]string{true: ", after a valid text message", false: ""}[afterText]),
				expect: "fail the connection (1002)", rfc: opRFC,
				run: func(c *confConn) (string, string) {
					p := ""
					if withPayload {
						p = "reserved opcode payload"
					}
					var steps []func() (string, string)
					if afterText {
						c.send(fr(true, text, "Hello, world!"))
						steps = append(steps, func() (string, string) { return c.expectEcho(text, []byte("Hello, world!")) })
					}
					if i == 4 {
						c.sendChopped(fr(true, op, p), 1, time.Millisecond)
					} else {
						c.send(fr(true, op, p))
					}
					c.send(fr(true, ping, ""))
					steps = append(steps, func() (string, string) { return c.expectFail(failCode) })
					return then(steps...)
				}})
		}
	}

	// 5: fragmentation (§5.4).
	fragRFC := "§5.4: Control frames MAY be injected in the middle of a fragmented message ... the fragments of one message MUST NOT be interleaved"
	ctlFragRFC := "§5.5: All control frames ... MUST NOT be fragmented"
	add(confCase{id: "5.1", desc: "ping in two fragments", expect: "fail the connection (1002)", rfc: ctlFragRFC,
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(false, ping, "fragment1"), fr(true, cont, "fragment2")}, func() (string, string) { return c.expectFail(failCode) })
		}})
	add(confCase{id: "5.2", desc: "pong in two fragments", expect: "fail the connection (1002)", rfc: ctlFragRFC,
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(false, pong, "fragment1"), fr(true, cont, "fragment2")}, func() (string, string) { return c.expectFail(failCode) })
		}})
	// writeAll sends frames whole, chopped into 1-byte writes, or slowly.
	writeAll := func(c *confConn, mode int, frames ...[]byte) {
		for _, f := range frames {
			switch mode {
			case 0:
				c.send(f)
			case 1:
				c.sendChopped(f, 1, 0)
			default:
				c.sendChopped(f, 1, time.Millisecond)
			}
		}
	}
	modes := []string{"", ", written one byte at a time", ", written one byte at a time with pauses"}
	for m, mode := range modes {
		add(confCase{id: fmt.Sprintf("5.%d", 3+m), desc: "text message in two fragments" + mode, expect: "echoed whole", rfc: fragRFC,
			run: func(c *confConn) (string, string) {
				writeAll(c, m, fr(false, text, "fragment1"), fr(true, cont, "fragment2"))
				return c.expectEcho(text, []byte("fragment1fragment2"))
			}})
	}
	for m, mode := range modes {
		add(confCase{id: fmt.Sprintf("5.%d", 6+m), desc: "text message in two fragments with a ping between them" + mode, expect: "a pong, then the message echoed whole", rfc: fragRFC,
			run: func(c *confConn) (string, string) {
				writeAll(c, m, fr(false, text, "fragment1"), fr(true, ping, "ping payload"), fr(true, cont, "fragment2"))
				return then(func() (string, string) { return c.expectPong([]byte("ping payload")) },
					func() (string, string) { return c.expectEcho(text, []byte("fragment1fragment2")) })
			}})
	}
	for k, fin := range []bool{true, false} {
		for m, mode := range modes {
			add(confCase{id: fmt.Sprintf("5.%d", 9+3*k+m), desc: fmt.Sprintf("continuation (FIN=%v) with nothing to continue, then a text message%s", fin, mode),
				expect: "fail the connection (1002)", rfc: "§5.4: a fragmented message ... starts with a frame with an opcode other than 0",
				run: func(c *confConn) (string, string) {
					writeAll(c, m, fr(fin, cont, "non-continuation payload"), fr(true, text, "Hello, world!"))
					return c.expectFail(failCode)
				}})
		}
	}
	add(confCase{id: "5.15", desc: "a fragmented text message, then a continuation with nothing to continue",
		expect: "echo of the message, then fail the connection (1002)", rfc: "§5.4",
		run: func(c *confConn) (string, string) {
			c.send(fr(false, text, "fragment1"), fr(true, cont, "fragment2"), fr(false, cont, "fragment3"), fr(true, text, "fragment4"))
			return then(func() (string, string) { return c.expectEcho(text, []byte("fragment1fragment2")) },
				func() (string, string) { return c.expectFail(failCode) })
		}})
	for k, fin := range []bool{false, true} {
		add(confCase{id: fmt.Sprintf("5.%d", 16+k), desc: fmt.Sprintf("twice: continuation (FIN=%v), then text (FIN=false), then continuation (FIN=true)", fin),
			expect: "fail the connection (1002)", rfc: "§5.4",
			run: func(c *confConn) (string, string) {
				for i := 0; i < 2; i++ {
					c.send(fr(fin, cont, "fragment1"), fr(false, text, "fragment2"), fr(true, cont, "fragment3"))
				}
				return c.expectFail(failCode)
			}})
	}
	add(confCase{id: "5.18", desc: "text (FIN=false), then another text (FIN=true) inside it", expect: "fail the connection (1002)", rfc: fragRFC,
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(false, text, "fragment1"), fr(true, text, "fragment2")}, func() (string, string) { return c.expectFail(failCode) })
		}})
	for m := 0; m < 2; m++ {
		add(confCase{id: fmt.Sprintf("5.%d", 19+m), desc: "text message in 5 fragments with 2 pings between them, sent with pauses" + map[int]string{1: ", one byte at a time"}[m],
			expect: "2 pongs, then the message echoed whole", rfc: fragRFC,
			run: func(c *confConn) (string, string) {
				pause := c.quiet / 5
				steps := [][]byte{fr(false, text, "fragment1"), fr(false, cont, "fragment2"), fr(true, ping, "pongme 1!"),
					fr(false, cont, "fragment3"), fr(true, ping, "pongme 2!"), fr(false, cont, "fragment4"), fr(true, cont, "fragment5")}
				for _, f := range steps {
					writeAll(c, m, f)
					time.Sleep(pause)
				}
				return then(func() (string, string) { return c.expectPong([]byte("pongme 1!")) },
					func() (string, string) { return c.expectPong([]byte("pongme 2!")) },
					func() (string, string) {
						return c.expectEcho(text, []byte("fragment1fragment2fragment3fragment4fragment5"))
					})
			}})
	}

	addUTF8Cases(add)
	addCloseCases(add)
	addThroughputCases(add)
	addDeflateCases(add)
	addHandshakeCases(add)
	return cs
}
