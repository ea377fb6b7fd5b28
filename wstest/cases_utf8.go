package wstest

import (
	"fmt"

	"github.com/wsframe/wsframe/codec"
)

const (
	rfcUTF8        = "§8.1: When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_"
	rfcUTF8Vectors = "RFC 3629 §3, §4; RFC 6455 §8.1"
	failFastExpect = "nothing after the first fragment; fail the connection (1007) right after the second"
)

// A valid and an invalid text: the second holds a surrogate (ED A0 80),
// which RFC 3629 forbids.
const (
	validText   = "Hello-µ@ßöäüàá-UTF-8!!κόσμε🌍"
	invalidText = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"
)

// utf8Cases are group 6: text messages and their UTF-8 (§5.6, §8.1),
// with the classic decoder stress vectors (after Markus Kuhn's UTF-8 test
// file) in 6.6.
func utf8Cases() []*Case {
	return group("UTF-8",
		&Case{ID: "6.1.1", Title: "empty text message", Expect: echoed, RFC: "§5.6", server: echoOf(whole(text, ""))},
		&Case{ID: "6.1.2", Title: "text message of three empty fragments", Expect: "echoed (empty)", RFC: "§5.4", server: echoOf(f(false, text, ""), f(false, cont, ""), f(true, cont, ""))},
		&Case{ID: "6.1.3", Title: "text fragments: empty, 'middle frame payload', empty", Expect: echoed, RFC: "§5.4", server: echoOf(f(false, text, ""), f(false, cont, "middle frame payload"), f(true, cont, ""))},
		&Case{ID: "6.2.1", Title: "valid UTF-8 in one frame", Expect: echoed, RFC: "§5.6", server: echoOf(whole(text, validText))},
		&Case{ID: "6.2.2", Title: "valid UTF-8, one fragment per byte (code points split across frames)", Expect: echoed, RFC: "§5.6, §8.1", server: echoOf(bytewise(validText)...)},
		&Case{ID: "6.3.1", Title: "κόσμε in two fragments split after byte 1", Expect: echoed, RFC: "§8.1", server: echoOf(f(false, text, "\xce"), f(true, cont, "\xba\xcf\x8c\xcf\x83\xce\xbc\xce\xb5"))},
		&Case{ID: "6.3.2", Title: "κόσμε in two fragments split after byte 2", Expect: echoed, RFC: "§8.1", server: echoOf(f(false, text, "\xce\xba"), f(true, cont, "\xcf\x8c\xcf\x83\xce\xbc\xce\xb5"))},
		&Case{ID: "6.3.3", Title: "κόσμε in two fragments split after byte 3", Expect: echoed, RFC: "§8.1", server: echoOf(f(false, text, "\xce\xba\xcf"), f(true, cont, "\x8c\xcf\x83\xce\xbc\xce\xb5"))},
		&Case{ID: "6.3.4", Title: "κόσμε in two fragments split after byte 4", Expect: echoed, RFC: "§8.1", server: echoOf(f(false, text, "\xce\xba\xcf\x8c"), f(true, cont, "\xcf\x83\xce\xbc\xce\xb5"))},
		&Case{ID: "6.3.5", Title: "κόσμε in two fragments split after byte 5", Expect: echoed, RFC: "§8.1", server: echoOf(f(false, text, "\xce\xba\xcf\x8c\xcf"), f(true, cont, "\x83\xce\xbc\xce\xb5"))},
		&Case{ID: "6.3.6", Title: "κόσμε in two fragments split after byte 6", Expect: echoed, RFC: "§8.1", server: echoOf(f(false, text, "\xce\xba\xcf\x8c\xcf\x83"), f(true, cont, "\xce\xbc\xce\xb5"))},
		&Case{ID: "6.3.7", Title: "κόσμε in two fragments split after byte 7", Expect: echoed, RFC: "§8.1", server: echoOf(f(false, text, "\xce\xba\xcf\x8c\xcf\x83\xce"), f(true, cont, "\xbc\xce\xb5"))},
		&Case{ID: "6.3.8", Title: "κόσμε in two fragments split after byte 8", Expect: echoed, RFC: "§8.1", server: echoOf(f(false, text, "\xce\xba\xcf\x8c\xcf\x83\xce\xbc"), f(true, cont, "\xce\xb5"))},
		&Case{ID: "6.3.9", Title: "κόσμε in two fragments split after byte 9", Expect: echoed, RFC: "§8.1", server: echoOf(f(false, text, "\xce\xba\xcf\x8c\xcf\x83\xce\xbc\xce"), f(true, cont, "\xb5"))},
		&Case{ID: "6.4.1", Title: "invalid UTF-8 (a surrogate) in one frame", Expect: fail1007, RFC: rfcUTF8, server: failsWith(codec.CloseInvalidPayload, whole(text, invalidText))},
		&Case{ID: "6.4.2", Title: "the same, one fragment per byte", Expect: fail1007, RFC: rfcUTF8, server: failsWith(codec.CloseInvalidPayload, bytewise(invalidText)...)},
		&Case{ID: "6.5.1", Title: "valid fragment, pause, fragment that makes the message invalid, pause, last fragment", Expect: failFastExpect, RFC: rfcUTF8 + " (fail fast)",
			server: failFast(f(false, text, "κόσμε"), f(false, cont, "\xf4\x90\x80\x80"), f(true, cont, "edited"))},
		&Case{ID: "6.5.2", Title: "valid fragment, pause, fragment that makes the message invalid, pause, last fragment", Expect: failFastExpect, RFC: rfcUTF8 + " (fail fast)",
			server: failFast(f(false, text, "κόσμε"), f(false, cont, "\xf4\x90\x80\x80edited"), f(true, cont, "edited"))},
		&Case{ID: "6.5.3", Title: "a single text frame written in 3 pieces; the 2nd piece holds invalid UTF-8", Expect: "fail the connection (1007) after the 2nd piece, before the 3rd", RFC: rfcUTF8 + " (fail fast)",
			server: failFastPieces},
		&Case{ID: "6.6.1", Title: "first 1-byte sequence U+0000 (00)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\x00"))},
		&Case{ID: "6.6.2", Title: "first 2-byte sequence U+0080 (c2 80)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xc2\x80"))},
		&Case{ID: "6.6.3", Title: "first 3-byte sequence U+0800 (e0 a0 80)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xe0\xa0\x80"))},
		&Case{ID: "6.6.4", Title: "first 4-byte sequence U+10000 (f0 90 80 80)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xf0\x90\x80\x80"))},
		&Case{ID: "6.6.5", Title: "last 1-byte sequence U+007F (7f)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\x7f"))},
		&Case{ID: "6.6.6", Title: "last 2-byte sequence U+07FF (df bf)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xdf\xbf"))},
		&Case{ID: "6.6.7", Title: "last 3-byte sequence U+FFFF (ef bf bf)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xef\xbf\xbf"))},
		&Case{ID: "6.6.8", Title: "last 4-byte sequence U+10FFFF (f4 8f bf bf)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xf4\x8f\xbf\xbf"))},
		&Case{ID: "6.6.9", Title: "U+D7FF, below the surrogates (ed 9f bf)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xed\x9f\xbf"))},
		&Case{ID: "6.6.10", Title: "U+E000, above the surrogates (ee 80 80)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xee\x80\x80"))},
		&Case{ID: "6.6.11", Title: "U+FFFD (ef bf bd)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xef\xbf\xbd"))},
		&Case{ID: "6.6.12", Title: "noncharacter U+FFFE (ef bf be)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xef\xbf\xbe"))},
		&Case{ID: "6.6.13", Title: "noncharacter U+1FFFF (f0 9f bf bf)", Expect: echoed, RFC: rfcUTF8Vectors, server: echoOf(whole(text, "\xf0\x9f\xbf\xbf"))},
		&Case{ID: "6.6.14", Title: "U+110000, beyond Unicode (f4 90 80 80)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xf4\x90\x80\x80"))},
		&Case{ID: "6.6.15", Title: "lone continuation byte 0x80 (80)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\x80"))},
		&Case{ID: "6.6.16", Title: "lone continuation byte 0xBF (bf)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xbf"))},
		&Case{ID: "6.6.17", Title: "two continuation bytes (80 bf)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\x80\xbf"))},
		&Case{ID: "6.6.18", Title: "three continuation bytes (80 bf 80)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\x80\xbf\x80"))},
		&Case{ID: "6.6.19", Title: "lonely 2-byte start followed by a space (c0 20)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xc0 "))},
		&Case{ID: "6.6.20", Title: "lonely 3-byte start followed by a space (e0 20)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xe0 "))},
		&Case{ID: "6.6.21", Title: "lonely 4-byte start followed by a space (f0 20)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xf0 "))},
		&Case{ID: "6.6.22", Title: "5-byte sequence (f8 88 80 80 80)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xf8\x88\x80\x80\x80"))},
		&Case{ID: "6.6.23", Title: "6-byte sequence (fc 84 80 80 80 80)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xfc\x84\x80\x80\x80\x80"))},
		&Case{ID: "6.6.24", Title: "2-byte sequence missing its last byte (c2)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xc2"))},
		&Case{ID: "6.6.25", Title: "3-byte sequence missing its last byte (e0 a0)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xe0\xa0"))},
		&Case{ID: "6.6.26", Title: "4-byte sequence missing its last byte (f0 90 80)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xf0\x90\x80"))},
		&Case{ID: "6.6.27", Title: "impossible byte 0xFE (fe)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xfe"))},
		&Case{ID: "6.6.28", Title: "impossible byte 0xFF (ff)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xff"))},
		&Case{ID: "6.6.29", Title: "impossible bytes FE FE FF FF (fe fe ff ff)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xfe\xfe\xff\xff"))},
		&Case{ID: "6.6.30", Title: "overlong '/' in 2 bytes (c0 af)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xc0\xaf"))},
		&Case{ID: "6.6.31", Title: "overlong '/' in 3 bytes (e0 80 af)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xe0\x80\xaf"))},
		&Case{ID: "6.6.32", Title: "overlong '/' in 4 bytes (f0 80 80 af)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xf0\x80\x80\xaf"))},
		&Case{ID: "6.6.33", Title: "largest overlong 2-byte sequence (c1 bf)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xc1\xbf"))},
		&Case{ID: "6.6.34", Title: "largest overlong 3-byte sequence (e0 9f bf)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xe0\x9f\xbf"))},
		&Case{ID: "6.6.35", Title: "largest overlong 4-byte sequence (f0 8f bf bf)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xf0\x8f\xbf\xbf"))},
		&Case{ID: "6.6.36", Title: "overlong NUL in 2 bytes (c0 80)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xc0\x80"))},
		&Case{ID: "6.6.37", Title: "high surrogate U+D800 (ed a0 80)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xed\xa0\x80"))},
		&Case{ID: "6.6.38", Title: "high surrogate U+DB7F (ed ad bf)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xed\xad\xbf"))},
		&Case{ID: "6.6.39", Title: "low surrogate U+DC00 (ed b0 80)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xed\xb0\x80"))},
		&Case{ID: "6.6.40", Title: "low surrogate U+DFFF (ed bf bf)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xed\xbf\xbf"))},
		&Case{ID: "6.6.41", Title: "surrogate pair U+D800 U+DC00 (ed a0 80 ed b0 80)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xed\xa0\x80\xed\xb0\x80"))},
		&Case{ID: "6.6.42", Title: "κόσμε with a surrogate in the middle (ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64)", Expect: fail1007, RFC: rfcUTF8Vectors, server: failsWith(codec.CloseInvalidPayload, whole(text, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"))},
	)
}

// bytewise makes a text message of s with one byte per frame.
func bytewise(s string) []frame {
	frames := make([]frame, len(s))
	for i := 0; i < len(s); i++ {
		frames[i] = frame{fin: i == len(s)-1, op: cont, payload: []byte(s[i : i+1])}
	}
	frames[0].op = text
	return frames
}

// failFast sends three fragments of a text message, each written alone: a
// valid one, one after which no continuation can make the message valid,
// and the last. The server must stay silent after the first and fail at
// once after the second (§8.1 requires failing; failing before the
// message ends is what keeps a peer from making the server buffer bad
// text, and what the Autobahn Testsuite calls fail fast).
func failFast(first, second, third frame) serverRun {
	return func(p *probe) (Verdict, string) {
		var parts [3][]byte
		for i, fr := range []frame{first, second, third} {
			parts[i] = appendFrame(nil, fr, true)
		}
		return p.failFast(parts)
	}
}

// failFastPieces is failFast within one frame: the header and 3 bytes of
// κόσμε; the rest of κόσμε and F4 90, which no code point can start with;
// the rest.
func failFastPieces(p *probe) (Verdict, string) {
	b := appendFrame(nil, whole(text, "κόσμε\xf4\x90\x80\x80edited"), true)
	return p.failFast([3][]byte{b[:9], b[9:19], b[19:]})
}

func (p *probe) failFast(parts [3][]byte) (Verdict, string) {
	p.out.queue(parts[0], 0)
	return then(func() (Verdict, string) { return p.expectSilence(p.quiet) },
		func() (Verdict, string) {
			p.out.queue(parts[1], 0)
			o := p.next(p.quiet)
			if o.kind == gotTimeout {
				p.out.queue(parts[2], 0)
				_, obs := p.expectFail(codec.CloseInvalidPayload)
				return Fail, fmt.Sprintf("nothing for %v after the invalid bytes; after the rest of the message: %s (no fail fast)", p.quiet, obs)
			}
			p.unread(o)
			v, obs := p.expectFail(codec.CloseInvalidPayload)
			p.out.queue(parts[2], 0)
			return v, obs
		})
}
