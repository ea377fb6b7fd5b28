package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// The RFC 7692 cases, in the spirit of the Autobahn Testsuite's groups 12
// and 13: compressed messages of many sizes under every combination of
// negotiated parameters, the receiving rules, and negotiation. A server
// that declines permessage-deflate gets INFO for the echo cases (it may),
// and the rule cases do not apply to it.

// compressedFrame compresses payload as c negotiated and returns it as a
// masked frame with RSV1 (first and only frame of a message), or split in
// fragments of frag bytes of compressed data (RSV1 on the first only).
func (c *confConn) compressed(op codec.Opcode, payload []byte, frag int) []byte {
	z, err := c.comp.AppendMessage(nil, payload)
	if err != nil {
		panic(err)
	}
	if frag <= 0 || frag >= len(z) {
		return frameBytes(true, codec.Rsv1, op, z)
	}
	var b []byte
	for off := 0; off < len(z); off += frag {
		rsv, fop := uint8(0), codec.OpContinuation
		if off == 0 {
			rsv, fop = codec.Rsv1, op
		}
		b = append(b, frameBytes(off+frag >= len(z), rsv, fop, z[off:min(off+frag, len(z))])...)
	}
	return b
}

// declined reports the verdict for a server that did not accept the offer.
func (c *confConn) declined() (string, string, bool) {
	if c.comp == nil {
		return verdictInfo, "the server declined permessage-deflate", true
	}
	return "", "", false
}

var deflateRFC = "RFC 7692 §7.2: compressed messages; the receiver inflates (§7.2.2) and the echo may be compressed or not"

// deflatePayload returns about n bytes of UTF-8 text that compresses well
// (cut on a code point boundary, so it may be up to 3 bytes shorter), or
// n pseudo-random bytes that do not.
func deflatePayload(n int, random bool, seed uint64) []byte {
	if random {
		r := rand.New(rand.NewPCG(seed, 7))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		fmt.Fprintf(&sb, `{"seq":%d,"user":"user-%d","text":"Can you hear me? Loud and clear! κόσμε"},`, i, i%17)
	}
	b := []byte(sb.String()[:n])
	for !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return b
}

func addDeflateCases(add func(confCase)) {
	combos := []struct {
		name string
		opts deflate.ClientOptions
	}{
		{"Chromium's offer (client_max_window_bits)", deflate.ClientOptions{}},
		{"Firefox's offer (no parameters)", deflate.ClientOptions{NoClientMaxWindowBits: true}},
		{"server_no_context_takeover", deflate.ClientOptions{ServerNoContextTakeover: true}},
		{"client_no_context_takeover", deflate.ClientOptions{ClientNoContextTakeover: true}},
		{"no context takeover either way", deflate.ClientOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
		{"server_max_window_bits=9", deflate.ClientOptions{ServerMaxWindowBits: 9}},
		{"client_max_window_bits=8", deflate.ClientOptions{ClientMaxWindowBits: 8}},
		{"both windows 10, no context takeover", deflate.ClientOptions{ServerMaxWindowBits: 10, ClientMaxWindowBits: 10, ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
	}
	sizes := []int{16, 64, 256, 1 << 10, 4 << 10, 32 << 10, 128 << 10}
	for g, random := range []bool{false, true} {
		kind, op := "text", codec.OpText
		if random {
			kind, op = "random binary", codec.OpBinary
		}
		for ci, combo := range combos {
			for si, n := range sizes {
				opts := combo.opts
				add(confCase{id: fmt.Sprintf("12.%d.%d.%d", g+1, ci+1, si+1),
					desc:   fmt.Sprintf("%s, 10 compressed %s messages of %s", combo.name, kind, sizeName(n)),
					expect: "10 echoes", rfc: deflateRFC, deflate: &opts,
					run: func(c *confConn) (string, string) {
						if v, o, no := c.declined(); no {
							return v, o
						}
						for i := 0; i < 10; i++ {
							p := deflatePayload(n, random, uint64(i))
							c.send(c.compressed(op, p, 0))
							if v, o := c.expectEcho(op, p); v != verdictPass {
								return v, fmt.Sprintf("message %d: %s (negotiated %q)", i, o, c.ext)
							}
						}
						return verdictPass, "10 echoes; negotiated " + c.ext
					}})
			}
		}
	}
	opts := deflate.ClientOptions{}
	add(confCase{id: "13.1", desc: "compressed text message in fragments of 100 compressed bytes", expect: "echoed", rfc: "RFC 7692 §6.1: the Per-Message Compressed bit is set on the first frame only", deflate: &opts,
		run: func(c *confConn) (string, string) {
			if v, o, no := c.declined(); no {
				return v, o
			}
			p := deflatePayload(64<<10, false, 1)
			c.send(c.compressed(text, p, 100))
			return c.expectEcho(text, p)
		}})
	add(confCase{id: "13.2", desc: "uncompressed message after permessage-deflate was agreed", expect: "echoed", rfc: "RFC 7692 §6: an endpoint may send a message uncompressed (RSV1 clear)", deflate: &opts,
		run: func(c *confConn) (string, string) {
			if v, o, no := c.declined(); no {
				return v, o
			}
			c.send(fr(true, text, "not compressed"))
			return c.expectEcho(text, []byte("not compressed"))
		}})
	add(confCase{id: "13.3", desc: "RSV1 set on the continuation frame of a compressed message", expect: "fail the connection (1002)", rfc: "RFC 7692 §6.1: An endpoint MUST NOT set the \"Per-Message Compressed\" bit of ... non-first fragments of a data message", deflate: &opts,
		run: func(c *confConn) (string, string) {
			if v, o, no := c.declined(); no {
				return v, o
			}
			z, _ := c.comp.AppendMessage(nil, deflatePayload(1000, false, 2))
			c.send(frameBytes(false, codec.Rsv1, text, z[:10]), frameBytes(true, codec.Rsv1, codec.OpContinuation, z[10:]))
			return c.expectFail(codec.CloseProtocolError)
		}})
	add(confCase{id: "13.4", desc: "RSV1 set on a ping", expect: "fail the connection (1002)", rfc: "RFC 7692 §6.1: ... MUST NOT set the \"Per-Message Compressed\" bit of control frames", deflate: &opts,
		run: func(c *confConn) (string, string) {
			if v, o, no := c.declined(); no {
				return v, o
			}
			c.send(frameBytes(true, codec.Rsv1, codec.OpPing, nil))
			return c.expectFail(codec.CloseProtocolError)
		}})
	add(confCase{id: "13.5", desc: "RSV1 message whose payload is not DEFLATE data", expect: "fail the connection (1007)", rfc: "RFC 7692 §8: a corrupt compressed message ... _Fail the WebSocket Connection_", deflate: &opts,
		run: func(c *confConn) (string, string) {
			if v, o, no := c.declined(); no {
				return v, o
			}
			c.send(frameBytes(true, codec.Rsv1, text, []byte{0xff, 0xff, 0xff, 0xff, 0xff}))
			v, o := c.expectFail(codec.CloseInvalidPayload)
			return v, o
		}})
	add(confCase{id: "13.6", desc: "compressed text message that inflates to invalid UTF-8", expect: "fail the connection (1007)", rfc: utf8RFC, deflate: &opts,
		run: func(c *confConn) (string, string) {
			if v, o, no := c.declined(); no {
				return v, o
			}
			c.send(c.compressed(text, []byte("κόσμε\xed\xa0\x80edited"), 0))
			return c.expectFail(codec.CloseInvalidPayload)
		}})
	add(confCase{id: "13.7", desc: "64 KiB of compressed data that inflates to 64 MiB, past the server's limit", expect: "fail the connection (1009) without inflating it all", rfc: "RFC 6455 §10.4; RFC 7692 §8.1 (resource limits)", deflate: &opts,
		run: func(c *confConn) (string, string) {
			if v, o, no := c.declined(); no {
				return v, o
			}
			comp := deflate.NewCompressor(c.params, codec.RoleClient, deflate.DefaultLevel)
			var z []byte
			zeros := make([]byte, 1<<20)
			for i := 0; i < 64; i++ {
				var err error
				if z, err = comp.AppendChunk(z, zeros, i == 63); err != nil {
					return verdictFail, err.Error()
				}
			}
			c.send(frameBytes(true, codec.Rsv1, bin, z))
			return c.expectFail(codec.CloseMessageTooBig)
		}})
	// Negotiation (§5, §7.1): the server must decline offers it cannot
	// take and answer valid ones with a valid response.
	for i, tc := range []struct {
		offer, desc string
		accept      bool
	}{
		{"permessage-deflate; foo=1", "an unknown parameter", false},
		{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", "a repeated parameter", false},
		{"permessage-deflate; server_max_window_bits=7", "server_max_window_bits below 8", false},
		{"permessage-deflate; server_max_window_bits=16", "server_max_window_bits above 15", false},
		{"permessage-deflate; client_max_window_bits=08", "a window with a leading zero", false},
		{"permessage-deflate; server_no_context_takeover=1", "a value where none belongs", false},
		{"permessage-deflate; foo, permessage-deflate; client_max_window_bits", "a bad offer, then a good one", true},
		{"x-unknown-extension, permessage-deflate", "an unknown extension, then permessage-deflate", true},
	} {
		add(confCase{id: fmt.Sprintf("13.8.%d", i+1), desc: "offer with " + tc.desc + fmt.Sprintf(" (%s)", tc.offer),
			expect: map[bool]string{true: "permessage-deflate accepted, with a valid response", false: "the offer declined, the connection opened without it"}[tc.accept],
			rfc:    "RFC 7692 §5: a server ... MUST decline an offer with an unknown or invalid parameter; §5.1 (choose among offers)", offer: tc.offer,
			run: func(c *confConn) (string, string) {
				switch {
				case c.comp != nil && !tc.accept:
					return verdictFail, "accepted: " + c.ext
				case c.comp == nil && tc.accept:
					return verdictInfo, "the server declined permessage-deflate"
				}
				// The connection works either way.
				p := []byte(strings.Repeat("negotiated ", 20))
				if c.comp != nil {
					c.send(c.compressed(text, p, 0))
				} else {
					c.send(frameBytes(true, 0, text, p))
				}
				v, o := c.expectEcho(text, p)
				if c.ext != "" {
					o += "; negotiated " + c.ext
				}
				return v, o
			}})
	}
}
