package wstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// serverRun is what a server case does over its probe: it returns the
// verdict and what it saw.
type serverRun func(p *probe) (Verdict, string)

// setup says how a server case connects.
type setup struct {
	raw   bool                   // a TCP connection without a handshake: the case does the HTTP itself
	offer *deflate.ClientOptions // offer permessage-deflate with these options
	ext   string                 // or this Sec-WebSocket-Extensions value, judged as the zero options
}

// probe is the suite's side of one server case: a client that writes
// frames exactly as the case says and reads what the server answers.
// Writes go through a writer goroutine, so that the case goes on reading
// while they are under way: a server that echoes as it reads, and so
// writes back before it has read everything, must not deadlock against
// it. Every read and write ends at the case's deadline.
type probe struct {
	conn  net.Conn
	out   *writer
	end   time.Time     // the case's deadline
	quiet time.Duration // how long silence must last to count as silence
	tg    target

	buf        []byte // bytes read and not decoded yet: buf[start:n]
	start, n   int
	dec        codec.Decoder
	back       *observation    // an observation put back by unread
	closeSent  bool            // the case sent a close frame
	sentCode   codec.CloseCode // with this code, or 0
	lastReason string          // the reason of the last close frame received

	// permessage-deflate, when the case offered it and the server agreed.
	ext    string
	params deflate.Params
	comp   *deflate.Compressor
	decomp *deflate.Decompressor
}

// runServerCase runs c against the server at tg and times it. It never
// takes longer than the case timeout, and stops at once when ctx is done.
func runServerCase(ctx context.Context, tg target, c *Case, o *Options) Result {
	start := time.Now()
	p := &probe{end: start.Add(o.timeout()), quiet: o.quiet(), tg: tg, buf: make([]byte, 256<<10)}
	p.dec = codec.Decoder{Role: codec.RoleClient, MaxMessage: 64 << 20}
	dctx, cancel := context.WithDeadline(ctx, p.end)
	v, obs := p.connect(dctx, c.setup)
	cancel()
	if v == 0 {
		// The deadlines end the case in time; ctx ends it at once.
		stop := context.AfterFunc(ctx, func() { p.conn.Close() })
		v, obs = c.server(p)
		stop()
		if err := p.out.stop(); err != nil && v == Fail {
			obs += fmt.Sprintf(" (a write had failed: %v)", err)
		}
	}
	return Result{Case: c, Verdict: v, Observed: obs, Elapsed: time.Since(start)}
}

// connect opens the case's connection; a verdict other than 0 ends the
// case there.
func (p *probe) connect(ctx context.Context, s setup) (Verdict, string) {
	if s.raw {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", p.tg.host)
		if err != nil {
			return Fail, "dial: " + err.Error()
		}
		p.attach(conn)
		return 0, ""
	}
	offer, opts := s.ext, deflate.ClientOptions{}
	if s.offer != nil {
		offer, opts = deflate.ClientOffer(*s.offer), *s.offer
	}
	conn, rest, err := handshake.Dial(ctx, "ws://"+p.tg.host+p.tg.path, &handshake.DialOptions{Extensions: offer})
	if err != nil {
		return Fail, "handshake: " + err.Error()
	}
	p.attach(conn)
	p.n = copy(p.buf, rest)
	if p.ext = conn.(*handshake.ClientConn).Extensions(); p.ext != "" {
		params, ok, err := deflate.ParseResponse([]byte(p.ext), opts)
		if err != nil || !ok {
			p.conn.Close()
			p.out.stop()
			return Fail, fmt.Sprintf("invalid permessage-deflate response %q to %q: %v", p.ext, offer, err)
		}
		p.params = params
		p.comp = deflate.NewCompressor(params, codec.RoleClient, deflate.DefaultLevel)
		p.decomp = deflate.NewDecompressor(params, codec.RoleClient, p.dec.MaxMessage)
		p.dec.AllowedRsv = codec.Rsv1
	}
	return 0, ""
}

func (p *probe) attach(conn net.Conn) {
	p.conn = conn
	conn.SetDeadline(p.end)
	p.out = newWriter(conn)
}

// send writes frames, masked, in one write.
func (p *probe) send(frames ...frame) {
	var b []byte
	for _, fr := range frames {
		b = appendFrame(b, fr, true)
	}
	p.out.queue(b, 0)
}

// sendEach writes each frame in a write of its own.
func (p *probe) sendEach(frames ...frame) {
	for _, fr := range frames {
		p.send(fr)
	}
}

// sendPieces writes frames in pieces of piece bytes, with pause before
// each piece but the first, so that the server sees them arrive in parts.
func (p *probe) sendPieces(piece int, pause time.Duration, frames ...frame) {
	var b []byte
	for _, fr := range frames {
		b = appendFrame(b, fr, true)
	}
	p.writePieces(b, piece, pause)
}

func (p *probe) writePieces(b []byte, piece int, pause time.Duration) {
	for i := 0; i < len(b); i += piece {
		wait := pause
		if i == 0 {
			wait = 0
		}
		p.out.queue(b[i:min(i+piece, len(b))], wait)
	}
}

// kind says what a server did.
type kind uint8

const (
	gotMessage kind = iota + 1
	gotPing
	gotPong
	gotClose
	gotEOF      // the TCP connection ended
	gotTimeout  // nothing within the wait
	gotBadFrame // a frame RFC 6455 does not allow a server to send
)

// observation is one thing the server did.
type observation struct {
	kind    kind
	op      codec.Opcode
	payload []byte
	code    codec.CloseCode
	err     error
}

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
		return "TCP closed"
	case gotTimeout:
		return "nothing (timed out)"
	}
	return "invalid frame from the server: " + o.err.Error()
}

// next returns the server's next message, control frame, close, the end
// of the connection, or silence within d (cut short by the case's end).
func (p *probe) next(d time.Duration) observation {
	if o := p.back; o != nil {
		p.back = nil
		return *o
	}
	p.conn.SetReadDeadline(minTime(time.Now().Add(d), p.end))
	var ev codec.Event
	var msg []byte
	var op codec.Opcode
	for {
		for p.start < p.n {
			k, err := p.dec.Next(p.buf[p.start:p.n], &ev)
			p.start += k
			if err != nil {
				return observation{kind: gotBadFrame, err: err}
			}
			switch ev.Kind {
			case codec.EventData:
				if ev.Start {
					msg, op = msg[:0], ev.Opcode
				}
				if ev.Rsv&codec.Rsv1 != 0 && p.decomp != nil {
					if msg, err = p.decomp.AppendChunk(msg, ev.Opcode, ev.Payload, ev.End); err != nil {
						return observation{kind: gotBadFrame, err: err}
					}
				} else {
					msg = append(msg, ev.Payload...)
				}
				if ev.End {
					return observation{kind: gotMessage, op: op, payload: msg}
				}
			case codec.EventPing:
				return observation{kind: gotPing, payload: append([]byte(nil), ev.Payload...)}
			case codec.EventPong:
				return observation{kind: gotPong, payload: append([]byte(nil), ev.Payload...)}
			case codec.EventClose:
				p.lastReason = string(ev.Reason)
				return observation{kind: gotClose, code: ev.Code}
			}
		}
		p.start, p.n = 0, 0
		k, err := p.conn.Read(p.buf)
		p.n = k
		if k == 0 && err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return observation{kind: gotTimeout}
			}
			return observation{kind: gotEOF, err: err}
		}
	}
}

// unread puts o back, for next to return again.
func (p *probe) unread(o observation) { p.back = &o }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// wait is how long to wait for an answer: what is left of the case.
func (p *probe) wait() time.Duration { return time.Until(p.end) }

// expectEcho checks that the server answers with op and payload.
func (p *probe) expectEcho(op codec.Opcode, payload []byte) (Verdict, string) {
	o := p.next(p.wait())
	switch {
	case o.kind == gotMessage && o.op == op && string(o.payload) == string(payload):
		return Pass, o.String()
	case o.kind == gotMessage:
		return Fail, fmt.Sprintf("%v message of %d bytes that differs from the %v message of %d bytes sent", o.op, len(o.payload), op, len(payload))
	}
	return Fail, o.String()
}

// expectPong checks for a pong with payload.
func (p *probe) expectPong(payload []byte) (Verdict, string) {
	o := p.next(p.wait())
	if o.kind == gotPong && string(o.payload) == string(payload) {
		return Pass, o.String()
	}
	return Fail, o.String()
}

// expectSilence checks that the server sends nothing for d.
func (p *probe) expectSilence(d time.Duration) (Verdict, string) {
	o := p.next(d)
	if o.kind == gotTimeout {
		return Pass, fmt.Sprintf("nothing for %v, as expected", d)
	}
	return Fail, o.String()
}

// expectFail checks that the server fails the connection (§7.1.7) with
// code. A close frame with code passes. A close frame that accepts what
// was sent instead, 1000 or an echo of the close code the case sent,
// fails; a close frame with another code, or TCP closed without one, is
// NON-STRICT. Frames of the kinds in allowed (pongs, echoes of earlier
// messages) may come first; anything else fails.
func (p *probe) expectFail(code codec.CloseCode, allowed ...kind) (Verdict, string) {
	var seen []string
	for {
		o := p.next(p.wait())
		switch o.kind {
		case gotClose:
			p.replyClose(o.code)
			obs := strings.Join(append(seen, o.String()), ", then ")
			switch {
			case o.code == code:
				return Pass, obs
			case o.code == codec.CloseNormal || o.code == p.sentCode:
				return Fail, obs + fmt.Sprintf(", which accepts what was sent (RFC 6455 requires failing with %v)", code)
			}
			return NonStrict, obs + fmt.Sprintf(" (RFC 6455 names %v)", code)
		case gotEOF:
			return NonStrict, strings.Join(append(seen, "TCP closed without a close frame"), ", then ")
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

// expectClose checks that the server answers the case's close frame with
// code (CloseNoStatus: an empty close frame or 1000) and then closes TCP.
func (p *probe) expectClose(code codec.CloseCode) (Verdict, string) {
	o := p.next(p.wait())
	if o.kind != gotClose {
		return Fail, o.String()
	}
	if o.code != code && (code != codec.CloseNoStatus || o.code != codec.CloseNormal) {
		return Fail, o.String() + fmt.Sprintf(" (expected %v)", code)
	}
	after := p.next(p.wait())
	if after.kind == gotEOF {
		return Pass, o.String() + ", then TCP closed"
	}
	return NonStrict, o.String() + ", then " + after.String() + " instead of closing TCP (§7.1.1: the server closes it first)"
}

// replyClose answers the server's close frame, once.
func (p *probe) replyClose(code codec.CloseCode) {
	if !p.closeSent {
		p.closeSent = true
		p.send(closeFrame(codec.CloseReply(code), ""))
	}
}

// sendClose sends a close frame and notes its code.
func (p *probe) sendClose(fr frame) {
	p.closeSent = true
	if len(fr.payload) >= 2 {
		p.sentCode = codec.CloseCode(fr.payload[0])<<8 | codec.CloseCode(fr.payload[1])
	}
	p.send(fr)
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
