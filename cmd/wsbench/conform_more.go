package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

var utf8RFC = "§8.1: When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_"

// utf8Vectors are the classic decoder stress cases (after Markus Kuhn's
// UTF-8 test file), each valid or not under RFC 3629.
var utf8Vectors = []struct {
	desc  string
	b     string
	valid bool
}{
	{"first 1-byte sequence U+0000", "\x00", true},
	{"first 2-byte sequence U+0080", "\xc2\x80", true},
	{"first 3-byte sequence U+0800", "\xe0\xa0\x80", true},
	{"first 4-byte sequence U+10000", "\xf0\x90\x80\x80", true},
	{"last 1-byte sequence U+007F", "\x7f", true},
	{"last 2-byte sequence U+07FF", "\xdf\xbf", true},
	{"last 3-byte sequence U+FFFF", "\xef\xbf\xbf", true},
	{"last 4-byte sequence U+10FFFF", "\xf4\x8f\xbf\xbf", true},
	{"U+D7FF, below the surrogates", "\xed\x9f\xbf", true},
	{"U+E000, above the surrogates", "\xee\x80\x80", true},
	{"U+FFFD", "\xef\xbf\xbd", true},
	{"noncharacter U+FFFE", "\xef\xbf\xbe", true},
	{"noncharacter U+1FFFF", "\xf0\x9f\xbf\xbf", true},
	{"U+110000, beyond Unicode", "\xf4\x90\x80\x80", false},
	{"lone continuation byte 0x80", "\x80", false},
	{"lone continuation byte 0xBF", "\xbf", false},
	{"two continuation bytes", "\x80\xbf", false},
	{"three continuation bytes", "\x80\xbf\x80", false},
	{"lonely 2-byte start followed by a space", "\xc0 ", false},
	{"lonely 3-byte start followed by a space", "\xe0 ", false},
	{"lonely 4-byte start followed by a space", "\xf0 ", false},
	{"5-byte sequence", "\xf8\x88\x80\x80\x80", false},
	{"6-byte sequence", "\xfc\x84\x80\x80\x80\x80", false},
	{"2-byte sequence missing its last byte", "\xc2", false},
	{"3-byte sequence missing its last byte", "\xe0\xa0", false},
	{"4-byte sequence missing its last byte", "\xf0\x90\x80", false},
	{"impossible byte 0xFE", "\xfe", false},
	{"impossible byte 0xFF", "\xff", false},
	{"impossible bytes FE FE FF FF", "\xfe\xfe\xff\xff", false},
	{"overlong '/' in 2 bytes", "\xc0\xaf", false},
	{"overlong '/' in 3 bytes", "\xe0\x80\xaf", false},
	{"overlong '/' in 4 bytes", "\xf0\x80\x80\xaf", false},
	{"largest overlong 2-byte sequence", "\xc1\xbf", false},
	{"largest overlong 3-byte sequence", "\xe0\x9f\xbf", false},
	{"largest overlong 4-byte sequence", "\xf0\x8f\xbf\xbf", false},
	{"overlong NUL in 2 bytes", "\xc0\x80", false},
	{"high surrogate U+D800", "\xed\xa0\x80", false},
	{"high surrogate U+DB7F", "\xed\xad\xbf", false},
	{"low surrogate U+DC00", "\xed\xb0\x80", false},
	{"low surrogate U+DFFF", "\xed\xbf\xbf", false},
	{"surrogate pair U+D800 U+DC00", "\xed\xa0\x80\xed\xb0\x80", false},
	{"κόσμε with a surrogate in the middle", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64", false},
}

func addUTF8Cases(add func(confCase)) {
	failUTF8 := codec.CloseInvalidPayload
	add(confCase{id: "6.1.1", desc: "empty text message", expect: "echoed", rfc: "§5.6",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(true, text, "")}, func() (string, string) { return c.expectEcho(text, nil) })
		}})
	add(confCase{id: "6.1.2", desc: "text message of three empty fragments", expect: "echoed (empty)", rfc: "§5.4",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(false, text, ""), fr(false, cont, ""), fr(true, cont, "")}, func() (string, string) { return c.expectEcho(text, nil) })
		}})
	add(confCase{id: "6.1.3", desc: "text fragments: empty, 'middle frame payload', empty", expect: "echoed", rfc: "§5.4",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(false, text, ""), fr(false, cont, "middle frame payload"), fr(true, cont, "")},
				func() (string, string) { return c.expectEcho(text, []byte("middle frame payload")) })
		}})
	valid := "Hello-µ@ßöäüàá-UTF-8!!κόσμε🌍"
	add(confCase{id: "6.2.1", desc: "valid UTF-8 in one frame", expect: "echoed", rfc: "§5.6",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(true, text, valid)}, func() (string, string) { return c.expectEcho(text, []byte(valid)) })
		}})
	add(confCase{id: "6.2.2", desc: "valid UTF-8, one fragment per byte (code points split across frames)", expect: "echoed", rfc: "§5.6, §8.1",
		run: func(c *confConn) (string, string) {
			for i := 0; i < len(valid); i++ {
				op := cont
				if i == 0 {
					op = text
				}
				c.send(fr(i == len(valid)-1, op, valid[i:i+1]))
			}
			return c.expectEcho(text, []byte(valid))
		}})
	k := "κόσμε"
	for i := 1; i < len(k); i++ {
		add(confCase{id: fmt.Sprintf("6.3.%d", i), desc: fmt.Sprintf("κόσμε in two fragments split after byte %d", i), expect: "echoed", rfc: "§8.1",
			run: func(c *confConn) (string, string) {
				return sendThen(c, [][]byte{fr(false, text, k[:i]), fr(true, cont, k[i:])}, func() (string, string) { return c.expectEcho(text, []byte(k)) })
			}})
	}
	bad := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"
	add(confCase{id: "6.4.1", desc: "invalid UTF-8 (a surrogate) in one frame", expect: "fail the connection (1007)", rfc: utf8RFC,
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(true, text, bad)}, func() (string, string) { return c.expectFail(failUTF8) })
		}})
	add(confCase{id: "6.4.2", desc: "the same, one fragment per byte", expect: "fail the connection (1007)", rfc: utf8RFC,
		run: func(c *confConn) (string, string) {
			for i := 0; i < len(bad); i++ {
				op := cont
				if i == 0 {
					op = text
				}
				c.send(fr(i == len(bad)-1, op, bad[i:i+1]))
			}
			return c.expectFail(failUTF8)
		}})
	// Fail fast: the first fragment is valid, the second makes the message
	// invalid; the server must fail at once, before the third arrives.
	for i, tc := range []struct{ first, second, third string }{
		{"κόσμε", "\xf4\x90\x80\x80", "edited"},
		{"κόσμε", "\xf4\x90\x80\x80edited", "edited"},
	} {
		add(confCase{id: fmt.Sprintf("6.5.%d", i+1), desc: "valid fragment, pause, fragment that makes the message invalid, pause, last fragment",
			expect: "nothing after the first fragment; fail the connection (1007) right after the second", rfc: utf8RFC + " (fail fast, §8.1)",
			run: func(c *confConn) (string, string) {
				wait := c.quiet
				c.send(fr(false, text, tc.first))
				return then(func() (string, string) { return c.expectSilence(wait) },
					func() (string, string) {
						c.send(fr(false, cont, tc.second))
						start := time.Now()
						v, o := c.expectFail(failUTF8)
						if v != verdictFail && time.Since(start) > wait {
							return verdictNonStrict, o + " (only after the message could have ended)"
						}
						c.send(fr(true, cont, tc.third))
						return v, o
					})
			}})
	}
	add(confCase{id: "6.5.3", desc: "a single text frame written in 3 pieces; the 2nd piece holds invalid UTF-8",
		expect: "fail the connection (1007) after the 2nd piece, before the 3rd", rfc: utf8RFC + " (fail fast)",
		run: func(c *confConn) (string, string) {
			// Header (6 bytes) and 3 bytes of κόσμε; the rest of κόσμε (8
			// bytes) and F4 90, which no code point can start with; the rest.
			f := fr(true, text, "κόσμε\xf4\x90\x80\x80edited")
			wait := c.quiet
			c.send(f[:9])
			return then(func() (string, string) { return c.expectSilence(wait) },
				func() (string, string) {
					c.send(f[9:19])
					v, o := c.expectFail(failUTF8)
					c.send(f[19:])
					return v, o
				})
		}})
	for i, v := range utf8Vectors {
		expect, code := "echoed", codec.CloseCode(0)
		if !v.valid {
			expect, code = "fail the connection (1007)", failUTF8
		}
		add(confCase{id: fmt.Sprintf("6.6.%d", i+1), desc: v.desc + fmt.Sprintf(" (% x)", v.b), expect: expect, rfc: "RFC 3629 §3, §4; RFC 6455 §8.1",
			run: func(c *confConn) (string, string) {
				c.send(fr(true, text, v.b))
				if v.valid {
					return c.expectEcho(text, []byte(v.b))
				}
				return c.expectFail(code)
			}})
	}
}

func addCloseCases(add func(confCase)) {
	closeRFC := "§5.5.1: If an endpoint receives a Close frame and did not previously send a Close frame, the endpoint MUST send a Close frame in response"
	add(confCase{id: "7.1.1", desc: "text message, then close 1000", expect: "echo, then close 1000", rfc: closeRFC,
		run: func(c *confConn) (string, string) {
			c.send(fr(true, text, "Hello World!"), closeFrame(codec.CloseNormal, ""))
			c.closed = true
			return then(func() (string, string) { return c.expectEcho(text, []byte("Hello World!")) },
				func() (string, string) { return c.expectClose(codec.CloseNormal) })
		}})
	for i, tc := range []struct {
		desc  string
		after []byte
	}{
		{"a second close", closeFrame(codec.CloseNormal, "")},
		{"a ping", fr(true, ping, "after close")},
		{"a text message", fr(true, text, "after close")},
	} {
		add(confCase{id: fmt.Sprintf("7.1.%d", i+2), desc: "close 1000, then " + tc.desc, expect: "close 1000 and nothing else",
			rfc: "§5.5.1: After sending a Close frame, the endpoint MUST NOT send any more data frames; data after the peer's close is ignored",
			run: func(c *confConn) (string, string) {
				c.send(closeFrame(codec.CloseNormal, ""), tc.after)
				c.closed = true
				return c.expectClose(codec.CloseNormal)
			}})
	}
	add(confCase{id: "7.1.5", desc: "text fragment, close 1000, last fragment", expect: "close 1000 and no echo", rfc: "§5.4, §5.5.1",
		run: func(c *confConn) (string, string) {
			c.send(fr(false, text, "fragment1"), closeFrame(codec.CloseNormal, ""), fr(true, cont, "fragment2"))
			c.closed = true
			return c.expectClose(codec.CloseNormal)
		}})
	add(confCase{id: "7.1.6", desc: "256 KiB text message, ping, close 1000", expect: "close 1000 (after the echo and pong, if any)", rfc: "§5.5.1",
		run: func(c *confConn) (string, string) {
			c.send(fr(true, text, strings.Repeat("BAsd7&jh23", 26215)), fr(true, ping, "ping"), closeFrame(codec.CloseNormal, ""))
			c.closed = true
			for {
				o := c.next(c.timeout)
				switch o.kind {
				case "message", "pong":
					continue
				case "close":
					if o.code == codec.CloseNormal {
						return verdictPass, o.String()
					}
				}
				return verdictFail, o.String()
			}
		}})
	add(confCase{id: "7.3.1", desc: "close without a body", expect: "a close reply (empty or 1000)", rfc: closeRFC,
		run: func(c *confConn) (string, string) {
			c.send(fr(true, closeO, ""))
			c.closed = true
			return c.expectClose(codec.CloseNoStatus)
		}})
	add(confCase{id: "7.3.2", desc: "close with a 1-byte body", expect: "fail the connection (1002)", rfc: "§5.5.1: If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{fr(true, closeO, "a")}, func() (string, string) { return c.expectFail(codec.CloseProtocolError) })
		}})
	for i, reason := range []string{"", "Hello World!", strings.Repeat("*", 123)} {
		add(confCase{id: fmt.Sprintf("7.3.%d", 3+i), desc: fmt.Sprintf("close 1000 with a %d-byte reason", len(reason)), expect: "close 1000", rfc: closeRFC,
			run: func(c *confConn) (string, string) {
				c.send(closeFrame(codec.CloseNormal, reason))
				c.closed = true
				return c.expectClose(codec.CloseNormal)
			}})
	}
	add(confCase{id: "7.3.6", desc: "close 1000 with a 124-byte reason (126-byte payload)", expect: "fail the connection (1002)", rfc: "§5.5: All control frames MUST have a payload length of 125 bytes or less",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{closeFrame(codec.CloseNormal, strings.Repeat("*", 124))}, func() (string, string) { return c.expectFail(codec.CloseProtocolError) })
		}})
	add(confCase{id: "7.5.1", desc: "close 1000 with a reason that is not UTF-8", expect: "fail the connection (1007)", rfc: "§5.5.1, §8.1",
		run: func(c *confConn) (string, string) {
			return sendThen(c, [][]byte{frameBytes(true, 0, closeO, []byte("\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"))},
				func() (string, string) { return c.expectFail(codec.CloseInvalidPayload) })
		}})
	for i, code := range []codec.CloseCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999} {
		add(confCase{id: fmt.Sprintf("7.7.%d", i+1), desc: fmt.Sprintf("close with valid code %d", code), expect: fmt.Sprintf("close %d (echoed)", code),
			rfc: "§7.4.1, §7.4.2; §5.5.1: the endpoint typically echos the status code it received",
			run: func(c *confConn) (string, string) {
				c.send(closeFrame(code, ""))
				c.closed = true
				v, o := c.expectClose(code)
				if v == verdictFail && strings.HasPrefix(o, "close 1000") {
					return verdictNonStrict, o
				}
				return v, o
			}})
	}
	for i, code := range []codec.CloseCode{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		add(confCase{id: fmt.Sprintf("7.9.%d", i+1), desc: fmt.Sprintf("close with code %d, which may not be sent", code), expect: "fail the connection (1002)",
			rfc: "§7.4.1, §7.4.2: codes below 1000, 1004-1006, 1015, 1016-2999 and 5000+ may not appear in a close frame",
			run: func(c *confConn) (string, string) {
				// Built by hand: AppendClose writes 1005 as an empty body.
				body := []byte{byte(code >> 8), byte(code)}
				return sendThen(c, [][]byte{frameBytes(true, 0, closeO, body)}, func() (string, string) { return c.expectFail(codec.CloseProtocolError) })
			}})
	}
}

// addThroughputCases adds the group 9 cases: large messages and many
// messages, echoed and timed (INFO when correct, FAIL when not).
func addThroughputCases(add func(confCase)) {
	timed := func(c *confConn, send func(), check func() (string, string)) (string, string) {
		start := time.Now()
		send()
		v, o := check()
		if v == verdictPass {
			return verdictInfo, fmt.Sprintf("echoed in %v", time.Since(start).Round(time.Millisecond))
		}
		return v, o
	}
	sizes := []int{64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20}
	for g, op := range []codec.Opcode{text, bin} {
		for i, n := range sizes {
			add(confCase{id: fmt.Sprintf("9.%d.%d", g+1, i+1), desc: fmt.Sprintf("%v message of %s", op, sizeName(n)), expect: "echoed (timed)", rfc: "§10.4",
				run: func(c *confConn) (string, string) {
					p := bytes.Repeat([]byte("*"), n)
					return timed(c, func() { c.send(frameBytes(true, 0, op, p)) }, func() (string, string) { return c.expectEcho(op, p) })
				}})
		}
	}
	for i, frag := range []int{64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20} {
		add(confCase{id: fmt.Sprintf("9.3.%d", i+1), desc: fmt.Sprintf("text message of 4 MiB in fragments of %s", sizeName(frag)), expect: "echoed (timed)", rfc: "§5.4",
			run: func(c *confConn) (string, string) {
				p := bytes.Repeat([]byte("*"), 4<<20)
				return timed(c, func() {
					var b []byte
					for off := 0; off < len(p); off += frag {
						op := cont
						if off == 0 {
							op = text
						}
						b = append(b, frameBytes(off+frag >= len(p), 0, op, p[off:min(off+frag, len(p))])...)
					}
					c.send(b)
				}, func() (string, string) { return c.expectEcho(text, p) })
			}})
	}
	for i, n := range []int{0, 16, 64, 256, 1 << 10, 4 << 10} {
		add(confCase{id: fmt.Sprintf("9.7.%d", i+1), desc: fmt.Sprintf("1000 text messages of %s, sent back to back", sizeName(n)), expect: "1000 echoes (timed)", rfc: "§5.4",
			run: func(c *confConn) (string, string) {
				p := bytes.Repeat([]byte("*"), n)
				return timed(c, func() {
					var b []byte
					for j := 0; j < 1000; j++ {
						b = append(b, frameBytes(true, 0, text, p)...)
					}
					go c.send(b) // the echoes may fill the socket buffers before all is written
				}, func() (string, string) {
					for j := 0; j < 1000; j++ {
						if v, o := c.expectEcho(text, p); v != verdictPass {
							return v, fmt.Sprintf("message %d: %s", j, o)
						}
					}
					return verdictPass, ""
				})
			}})
	}
}

// addHandshakeCases adds checks of the opening handshake (§4.2.1, §4.2.2).
func addHandshakeCases(add func(confCase)) {
	key := "dGhlIHNhbXBsZSBub25jZQ=="
	head := func(c *confConn, edit func(string) string) string {
		h := "GET " + c.path + " HTTP/1.1\r\nHost: " + c.host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
		if edit != nil {
			h = edit(h)
		}
		return h
	}
	refused := func(id, desc, rfc string, want func(int) bool, wantText string, edit func(string) string, check func(reply string) bool) {
		add(confCase{id: id, desc: desc, expect: wantText, rfc: rfc, raw: true,
			run: func(c *confConn) (string, string) {
				status, reply, err := c.rawHandshake(head(c, edit), 0)
				if err != nil && status == 0 {
					return verdictFail, "no reply: " + err.Error()
				}
				obs := fmt.Sprintf("status %d", status)
				if !want(status) {
					return verdictFail, obs
				}
				if check != nil && !check(reply) {
					return verdictFail, obs + " without the required header"
				}
				return verdictPass, obs
			}})
	}
	is4xx := func(s int) bool { return s >= 400 && s < 500 }
	rfc421 := "§4.2.1: if the server ... finds that the client did not send a handshake that matches the description below, the server MUST stop processing the client's handshake and return an HTTP response with an appropriate error code (such as 400 Bad Request)"
	refused("H.1", "no Sec-WebSocket-Key", rfc421, func(s int) bool { return s == 400 }, "400",
		func(h string) string { return strings.Replace(h, "Sec-WebSocket-Key: "+key+"\r\n", "", 1) }, nil)
	refused("H.2", "Sec-WebSocket-Key that is not 16 bytes in base64", rfc421, func(s int) bool { return s == 400 }, "400",
		func(h string) string { return strings.Replace(h, key, "c2hvcnQ=", 1) }, nil)
	refused("H.3", "Sec-WebSocket-Version: 8", "§4.2.2: If this version does not match a version understood by the server, the server MUST abort the WebSocket handshake ... and instead send an appropriate HTTP error code (such as 426 Upgrade Required) and a |Sec-WebSocket-Version| header field indicating the version(s) the server is capable of understanding",
		func(s int) bool { return s == 426 }, "426 with Sec-WebSocket-Version: 13",
		func(h string) string { return strings.Replace(h, "Version: 13", "Version: 8", 1) },
		func(reply string) bool {
			r, _, _ := handshake.ParseResponse([]byte(reply), []byte(key))
			return string(r.Header("Sec-WebSocket-Version")) == "13"
		})
	refused("H.4", "POST instead of GET", rfc421+"; §4.1: The method of the request MUST be GET", is4xx, "4xx",
		func(h string) string {
			return strings.Replace(h, "GET", "POST", 1)[:len(h)-2] + "Content-Length: 0\r\n\r\n"
		}, nil)
	refused("H.5", "no Upgrade header", rfc421, is4xx, "4xx",
		func(h string) string { return strings.Replace(h, "Upgrade: websocket\r\n", "", 1) }, nil)
	refused("H.6", "Connection: keep-alive, without the Upgrade token", rfc421, is4xx, "4xx",
		func(h string) string { return strings.Replace(h, "Connection: Upgrade", "Connection: keep-alive", 1) }, nil)
	refused("H.7", "HTTP/1.0 request", "§4.1: The method of the request MUST be GET, and the HTTP version MUST be at least 1.1", is4xx, "4xx",
		func(h string) string { return strings.Replace(h, "HTTP/1.1", "HTTP/1.0", 1) }, nil)
	accepted := func(id, desc string, edit func(string) string, chunk int, eager bool) {
		add(confCase{id: id, desc: desc, expect: "101, then an echo", rfc: "§4.2.1, §4.2.2", raw: true,
			run: func(c *confConn) (string, string) {
				h := head(c, edit)
				msg := fr(true, text, "after the handshake")
				if eager {
					h += string(msg)
				}
				status, reply, err := c.rawHandshake(h, chunk)
				if status != 101 {
					return verdictFail, fmt.Sprintf("status %d %v", status, err)
				}
				if _, _, err := handshake.ParseResponse([]byte(reply), []byte(key)); err != nil {
					return verdictFail, "invalid 101 reply: " + err.Error()
				}
				c.dec.Role = codec.RoleClient
				if !eager {
					c.send(msg)
				}
				return c.expectEcho(text, []byte("after the handshake"))
			}})
	}
	accepted("H.8", "request head written one byte at a time", nil, 1, false)
	accepted("H.9", "request head and first frame in one write", nil, 0, true)
	accepted("H.10", "Connection: keep-alive, Upgrade (as Firefox sent it)", func(h string) string {
		return strings.Replace(h, "Connection: Upgrade", "Connection: keep-alive, Upgrade", 1)
	}, 0, false)
	accepted("H.11", "header names in lower case", func(h string) string {
		for _, n := range []string{"Host", "Upgrade: ", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version"} {
			h = strings.Replace(h, n, strings.ToLower(n), 1)
		}
		return h
	}, 0, false)
}
