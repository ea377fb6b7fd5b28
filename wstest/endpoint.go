package wstest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// endpoint is the suite's side of one case's connection: the client
// against a server under test (a probe), or the server against a client
// under test (a stage). It writes frames exactly as the case says and
// reads what the peer answers. Writes go through a writer goroutine, so
// that the case goes on reading while they are under way: a peer that
// echoes as it reads, and so writes back before it has read everything,
// must not deadlock against it. Every read and write ends at the case's
// deadline.
type endpoint struct {
	conn   net.Conn
	out    *writer
	end    time.Time     // the case's deadline
	quiet  time.Duration // how long silence must last to count as silence
	masked bool          // frames sent are masked: the suite is the client
	ended  func() error  // over HTTP/2: how the peer ended the stream (see streamEnd.reason)

	buf       []byte // bytes read and not decoded yet: buf[start:n]
	start, n  int
	dec       codec.Decoder
	back      *observation // an observation put back by unread
	keys      [][4]byte    // the mask keys of the peer's frames, as they arrived
	msg       []byte       // the data message under way: control frames may come between its frames
	msgOp     codec.Opcode
	closeSent bool            // the case sent a close frame
	sentCode  codec.CloseCode // with this code, or 0

	// permessage-deflate, when negotiated.
	ext    string
	params deflate.Params
	comp   *deflate.Compressor
	decomp *deflate.Decompressor
}

// newEndpoint returns an endpoint for role (the suite's) whose case ends
// at end.
func newEndpoint(role codec.Role, end time.Time, quiet time.Duration) endpoint {
	return endpoint{end: end, quiet: quiet, masked: role == codec.RoleClient, buf: make([]byte, 256<<10),
		dec: codec.Decoder{Role: role, MaxMessage: 64 << 20}}
}

// attach starts using conn, with the case's deadline on every read and
// write.
func (e *endpoint) attach(conn net.Conn) {
	e.conn = conn
	conn.SetDeadline(e.end)
	e.out = newWriter(conn)
}

// useDeflate compresses and inflates with the parameters negotiated.
func (e *endpoint) useDeflate(p deflate.Params) {
	role := codec.RoleServer
	if e.masked {
		role = codec.RoleClient
	}
	e.params = p
	e.comp = deflate.NewCompressor(p, role, deflate.DefaultLevel)
	e.decomp = deflate.NewDecompressor(p, role, e.dec.MaxMessage)
	e.dec.AllowedRsv = codec.Rsv1
}

// send writes frames in one write.
func (e *endpoint) send(frames ...frame) {
	var b []byte
	for _, fr := range frames {
		b = appendFrame(b, fr, e.masked)
	}
	e.out.queue(b, 0)
}

// sendEach writes each frame in a write of its own.
func (e *endpoint) sendEach(frames ...frame) {
	for _, fr := range frames {
		e.send(fr)
	}
}

// sendPieces writes frames in pieces of piece bytes, with pause before
// each piece but the first, so that the peer sees them arrive in parts.
func (e *endpoint) sendPieces(piece int, pause time.Duration, frames ...frame) {
	var b []byte
	for _, fr := range frames {
		b = appendFrame(b, fr, e.masked)
	}
	e.writePieces(b, piece, pause)
}

func (e *endpoint) writePieces(b []byte, piece int, pause time.Duration) {
	for i := 0; i < len(b); i += piece {
		wait := pause
		if i == 0 {
			wait = 0
		}
		e.out.queue(b[i:min(i+piece, len(b))], wait)
	}
}

// kind says what a peer did.
type kind uint8

const (
	gotMessage kind = iota + 1
	gotPing
	gotPong
	gotClose
	gotEOF      // the TCP connection ended, or over HTTP/2 the stream
	gotTimeout  // nothing within the wait
	gotBadFrame // a frame RFC 6455 does not allow the peer to send
)

// observation is one thing the peer did.
type observation struct {
	kind    kind
	op      codec.Opcode
	payload []byte
	code    codec.CloseCode
	err     error
	stream  bool // gotEOF of an HTTP/2 stream; err says how it ended
}

// orderly reports whether a gotEOF is an orderly end: TCP closed, or
// END_STREAM over HTTP/2.
func (o observation) orderly() bool { return !o.stream || o.err == nil || o.err == io.EOF }

func (o observation) String() string {
	switch o.kind {
	case gotMessage:
		if len(o.payload) > 40 {
			return fmt.Sprintf("%v message of %d bytes", o.op, len(o.payload))
		}
		return fmt.Sprintf("%v message %q", o.op, o.payload)
	case gotPing:
		return fmt.Sprintf("ping %q", o.payload)
	case gotPong:
		return fmt.Sprintf("pong %q", o.payload)
	case gotClose:
		return fmt.Sprintf("close %v", o.code)
	case gotEOF:
		if o.stream {
			return describeEnd(o.err)
		}
		return "TCP closed"
	case gotTimeout:
		return "nothing (timed out)"
	}
	return "a frame RFC 6455 forbids: " + strings.TrimPrefix(o.err.Error(), "codec: ")
}

// next returns the peer's next message, control frame, close, the end of
// the connection, or silence within d (cut short by the case's end).
func (e *endpoint) next(d time.Duration) observation {
	if o := e.back; o != nil {
		e.back = nil
		return *o
	}
	e.conn.SetReadDeadline(minTime(time.Now().Add(d), e.end))
	var ev codec.Event
	for {
		for e.start < e.n {
			if !e.masked && !e.dec.InFrame() {
				// A client's frame: note its mask key. The decoder gets
				// only whole headers, so that none is missed.
				h, _, err := codec.ParseHeader(e.buf[e.start:e.n])
				if err == codec.ErrShortHeader {
					break
				}
				if err == nil && h.Masked {
					e.keys = append(e.keys, h.Key)
				}
			}
			k, err := e.dec.Next(e.buf[e.start:e.n], &ev)
			e.start += k
			if err != nil {
				return observation{kind: gotBadFrame, err: err}
			}
			switch ev.Kind {
			case codec.EventData:
				if ev.Start {
					e.msg, e.msgOp = nil, ev.Opcode
				}
				if ev.Rsv&codec.Rsv1 != 0 && e.decomp != nil {
					if e.msg, err = e.decomp.AppendChunk(e.msg, ev.Opcode, ev.Payload, ev.End); err != nil {
						return observation{kind: gotBadFrame, err: err}
					}
				} else {
					e.msg = append(e.msg, ev.Payload...)
				}
				if ev.End {
					return observation{kind: gotMessage, op: e.msgOp, payload: e.msg}
				}
			case codec.EventPing:
				return observation{kind: gotPing, payload: append([]byte(nil), ev.Payload...)}
			case codec.EventPong:
				return observation{kind: gotPong, payload: append([]byte(nil), ev.Payload...)}
			case codec.EventClose:
				return observation{kind: gotClose, code: ev.Code}
			}
		}
		e.n = copy(e.buf, e.buf[e.start:e.n]) // at most a partial header
		e.start = 0
		k, err := e.conn.Read(e.buf[e.n:])
		e.n += k
		if k == 0 && err != nil {
			if isTimeout(err) {
				return observation{kind: gotTimeout}
			}
			if e.ended != nil {
				return observation{kind: gotEOF, err: e.ended(), stream: true}
			}
			return observation{kind: gotEOF, err: err}
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// unread puts o back, for next to return again.
func (e *endpoint) unread(o observation) { e.back = &o }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// wait is how long to wait for an answer: what is left of the case.
func (e *endpoint) wait() time.Duration { return time.Until(e.end) }

// expectEcho checks that the peer answers with op and payload.
func (e *endpoint) expectEcho(op codec.Opcode, payload []byte) (Verdict, string) {
	o := e.next(e.wait())
	switch {
	case o.kind == gotMessage && o.op == op && string(o.payload) == string(payload):
		return Pass, o.String()
	case o.kind == gotMessage:
		return Fail, fmt.Sprintf("%v message of %d bytes that differs from the %v message of %d bytes sent", o.op, len(o.payload), op, len(payload))
	}
	return Fail, o.String()
}

// expectPong checks for a pong with payload.
func (e *endpoint) expectPong(payload []byte) (Verdict, string) {
	o := e.next(e.wait())
	if o.kind == gotPong && string(o.payload) == string(payload) {
		return Pass, o.String()
	}
	return Fail, o.String()
}

// expectSilence checks that the peer sends nothing for d.
func (e *endpoint) expectSilence(d time.Duration) (Verdict, string) {
	o := e.next(d)
	if o.kind == gotTimeout {
		return Pass, fmt.Sprintf("nothing for %v, as expected", d)
	}
	return Fail, o.String()
}

// expectFail checks that the peer fails the connection (§7.1.7) with
// code. A close frame with code passes. A close frame that accepts what
// was sent instead, 1000 or an echo of the close code the case sent,
// fails; a close frame with another code, or TCP closed (over HTTP/2, the
// stream ended) without one, is NON-STRICT. Frames of the kinds in
// allowed (pongs, echoes of earlier messages) may come first; anything
// else fails.
func (e *endpoint) expectFail(code codec.CloseCode, allowed ...kind) (Verdict, string) {
	var seen []string
	for {
		o := e.next(e.wait())
		switch o.kind {
		case gotClose:
			e.replyClose(o.code)
			obs := strings.Join(append(seen, o.String()), ", then ")
			switch {
			case o.code == code:
				return Pass, obs
			case o.code == codec.CloseNormal || o.code == e.sentCode:
				return Fail, obs + fmt.Sprintf(", which accepts what was sent (RFC 6455 requires failing with %v)", code)
			}
			return NonStrict, obs + fmt.Sprintf(" (RFC 6455 names %v)", code)
		case gotEOF:
			return NonStrict, strings.Join(append(seen, o.String()+" without a close frame"), ", then ")
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == o.kind
		}
		if !ok {
			return Fail, strings.Join(append(seen, o.String()), ", then ")
		}
		seen = append(seen, o.String())
	}
}

// replyClose answers the peer's close frame, once.
func (e *endpoint) replyClose(code codec.CloseCode) {
	if !e.closeSent {
		e.closeSent = true
		e.send(closeFrame(codec.CloseReply(code), ""))
	}
}

// sendClose sends a close frame and notes its code.
func (e *endpoint) sendClose(fr frame) {
	e.closeSent = true
	if len(fr.payload) >= 2 {
		e.sentCode = codec.CloseCode(fr.payload[0])<<8 | codec.CloseCode(fr.payload[1])
	}
	e.send(fr)
}

// compressed returns payload compressed as negotiated, as one frame with
// RSV1, or in fragments of frag bytes of compressed data (RSV1 on the
// first only).
func (e *endpoint) compressed(op codec.Opcode, payload []byte, frag int) []frame {
	z, err := e.comp.AppendMessage(nil, payload)
	if err != nil {
		panic(err) // compressing into a growing buffer cannot fail
	}
	if frag <= 0 {
		frag = len(z)
	}
	frames := fragments(op, z, frag)
	frames[0].rsv = codec.Rsv1
	return frames
}

// check is one step of a case.
type check func() (Verdict, string)

// then runs the checks in order and returns the first that fails, or the
// weakest verdict of all.
func then(steps ...check) (Verdict, string) {
	var obs []string
	verdict := Pass
	for _, s := range steps {
		v, o := s()
		obs = append(obs, o)
		switch v {
		case Fail:
			return v, strings.Join(obs, "; ")
		case NonStrict:
			verdict = v
		case Info:
			if verdict == Pass {
				verdict = v
			}
		}
	}
	return verdict, strings.Join(obs, "; ")
}
