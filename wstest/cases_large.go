package wstest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/wsframe/wsframe/codec"
)

const (
	timedEcho   = "echoed (timed)"
	limitExpect = "fail the connection (1009): at the header, which says the message is too big, or at the latest once its limit is passed"
	rfcLimits   = "§10.4: Implementations that have implementation- and/or platform-specific limitations regarding the frame size or total message size after reassembly from multiple frames MUST protect themselves against exceeding those limits; §7.4.1: 1009 ... a message that is too big for it to process"
)

// largeCases are group 9, large messages and many messages, echoed and
// timed (INFO when correct, FAIL when not), and group 10, what a server
// does with a message no machine could hold.
func largeCases() []*Case {
	return concat(group("Large messages",
		&Case{ID: "9.1.1", Title: "text message of 64 KiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(text, 64<<10))},
		&Case{ID: "9.1.2", Title: "text message of 256 KiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(text, 256<<10))},
		&Case{ID: "9.1.3", Title: "text message of 1 MiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(text, 1<<20))},
		&Case{ID: "9.1.4", Title: "text message of 4 MiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(text, 4<<20))},
		&Case{ID: "9.1.5", Title: "text message of 8 MiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(text, 8<<20))},
		&Case{ID: "9.1.6", Title: "text message of 16 MiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(text, 16<<20))},
		&Case{ID: "9.2.1", Title: "binary message of 64 KiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(bin, 64<<10))},
		&Case{ID: "9.2.2", Title: "binary message of 256 KiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(bin, 256<<10))},
		&Case{ID: "9.2.3", Title: "binary message of 1 MiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(bin, 1<<20))},
		&Case{ID: "9.2.4", Title: "binary message of 4 MiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(bin, 4<<20))},
		&Case{ID: "9.2.5", Title: "binary message of 8 MiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(bin, 8<<20))},
		&Case{ID: "9.2.6", Title: "binary message of 16 MiB", Expect: timedEcho, RFC: "§10.4", server: timed(echoSize(bin, 16<<20))},
		&Case{ID: "9.3.1", Title: "text message of 4 MiB in fragments of 64 B", Expect: timedEcho, RFC: "§5.4", server: timed(echoFragments(4<<20, 64))},
		&Case{ID: "9.3.2", Title: "text message of 4 MiB in fragments of 256 B", Expect: timedEcho, RFC: "§5.4", server: timed(echoFragments(4<<20, 256))},
		&Case{ID: "9.3.3", Title: "text message of 4 MiB in fragments of 1 KiB", Expect: timedEcho, RFC: "§5.4", server: timed(echoFragments(4<<20, 1<<10))},
		&Case{ID: "9.3.4", Title: "text message of 4 MiB in fragments of 4 KiB", Expect: timedEcho, RFC: "§5.4", server: timed(echoFragments(4<<20, 4<<10))},
		&Case{ID: "9.3.5", Title: "text message of 4 MiB in fragments of 16 KiB", Expect: timedEcho, RFC: "§5.4", server: timed(echoFragments(4<<20, 16<<10))},
		&Case{ID: "9.3.6", Title: "text message of 4 MiB in fragments of 64 KiB", Expect: timedEcho, RFC: "§5.4", server: timed(echoFragments(4<<20, 64<<10))},
		&Case{ID: "9.3.7", Title: "text message of 4 MiB in fragments of 256 KiB", Expect: timedEcho, RFC: "§5.4", server: timed(echoFragments(4<<20, 256<<10))},
		&Case{ID: "9.3.8", Title: "text message of 4 MiB in fragments of 1 MiB", Expect: timedEcho, RFC: "§5.4", server: timed(echoFragments(4<<20, 1<<20))},
		&Case{ID: "9.3.9", Title: "text message of 4 MiB in fragments of 4 MiB", Expect: timedEcho, RFC: "§5.4", server: timed(echoFragments(4<<20, 4<<20))},
		&Case{ID: "9.7.1", Title: "1000 text messages of 0 B, sent back to back", Expect: "1000 echoes (timed)", RFC: "§5.4", server: timed(echoBurst(1000, 0))},
		&Case{ID: "9.7.2", Title: "1000 text messages of 16 B, sent back to back", Expect: "1000 echoes (timed)", RFC: "§5.4", server: timed(echoBurst(1000, 16))},
		&Case{ID: "9.7.3", Title: "1000 text messages of 64 B, sent back to back", Expect: "1000 echoes (timed)", RFC: "§5.4", server: timed(echoBurst(1000, 64))},
		&Case{ID: "9.7.4", Title: "1000 text messages of 256 B, sent back to back", Expect: "1000 echoes (timed)", RFC: "§5.4", server: timed(echoBurst(1000, 256))},
		&Case{ID: "9.7.5", Title: "1000 text messages of 1 KiB, sent back to back", Expect: "1000 echoes (timed)", RFC: "§5.4", server: timed(echoBurst(1000, 1<<10))},
		&Case{ID: "9.7.6", Title: "1000 text messages of 4 KiB, sent back to back", Expect: "1000 echoes (timed)", RFC: "§5.4", server: timed(echoBurst(1000, 4<<10))},
	), group("Resource limits",
		&Case{ID: "10.1", Title: "binary frame whose header declares 2^62 bytes, then 64 MiB of its payload", Expect: limitExpect, RFC: rfcLimits, server: declared(whole(bin, ""), 1<<62)},
		&Case{ID: "10.2", Title: "text message: a 1 KiB fragment, then a continuation whose header declares 2^62 bytes, then 64 MiB of its payload", Expect: limitExpect, RFC: rfcLimits, server: declared(f(false, text, string(bytes.Repeat([]byte("*"), 1024))), 1<<62)},
		&Case{ID: "10.3", Title: "binary frame whose 64-bit length has its most significant bit set", Expect: fail1002, RFC: "§5.2: If 127, the following 8 bytes interpreted as a 64-bit unsigned integer (the most significant bit MUST be 0) are the payload length", server: msbLength},
	))
}

// timed runs an echo case, of a server (E is *probe) or of a client
// (*stage), and reports how long it took: INFO when the echo was right.
func timed[E any](run func(E) (Verdict, string)) func(E) (Verdict, string) {
	return func(e E) (Verdict, string) {
		start := time.Now()
		v, o := run(e)
		if v == Pass {
			return Info, fmt.Sprintf("%s in %v", o, time.Since(start).Round(time.Millisecond))
		}
		return v, o
	}
}

// echoFragments sends a text message of n bytes in fragments of size.
func echoFragments(n, size int) serverRun {
	return func(p *probe) (Verdict, string) {
		payload := bytes.Repeat([]byte("*"), n)
		p.send(fragments(text, payload, size)...)
		return p.expectEcho(text, payload)
	}
}

// echoBurst sends count text messages of n bytes in one write.
func echoBurst(count, n int) serverRun {
	return func(p *probe) (Verdict, string) {
		payload := bytes.Repeat([]byte("*"), n)
		frames := make([]frame, count)
		for i := range frames {
			frames[i] = frame{fin: true, op: text, payload: payload}
		}
		p.send(frames...)
		for i := range count {
			if v, o := p.expectEcho(text, payload); v != Pass {
				return v, fmt.Sprintf("message %d: %s", i, o)
			}
		}
		return Pass, fmt.Sprintf("%d echoes", count)
	}
}

// declared sends a frame header like fr's that declares n payload
// bytes, then declaredPayload bytes of it, more than any server's limit
// should be; the server must fail the connection with 1009, at the header
// (it knows then) or at its limit. When fr is not final, fr goes first,
// whole, and the header is its continuation's.
func declared(fr frame, n int64) serverRun {
	return func(p *probe) (Verdict, string) {
		fin, op := fr.fin, fr.op
		if !fin {
			p.send(fr)
			fin, op = true, cont
		}
		p.sendDeclared(fin, op, n)
		return p.expectFail(codec.CloseMessageTooBig)
	}
}

// declaredPayload is how much of a frame that declares more a resource
// limit case sends: 64 MiB.
const declaredPayload = 64 << 20

// sendDeclared writes the header of a frame that declares n payload
// bytes, then declaredPayload bytes of that payload, in 1 MiB writes.
func (e *endpoint) sendDeclared(fin bool, op codec.Opcode, n int64) {
	h := codec.Header{Fin: fin, Opcode: op, Masked: e.masked, Length: n}
	if e.masked {
		rand.Read(h.Key[:])
	}
	e.out.queue(codec.AppendHeader(nil, h), 0)
	chunk := bytes.Repeat([]byte("*"), 1<<20)
	if e.masked {
		codec.Mask(chunk, h.Key, 0) // 1 MiB is whole keys: every chunk masks the same
	}
	for range declaredPayload >> 20 {
		e.out.queue(chunk, 0)
	}
}

// msbLength sends a header with 127 and a length whose top bit is set,
// which ParseHeader refuses, so it is written byte by byte.
func msbLength(p *probe) (Verdict, string) {
	b := []byte{0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4}
	p.out.queue(append(b, "hello"...), 0)
	return p.expectFail(codec.CloseProtocolError)
}
