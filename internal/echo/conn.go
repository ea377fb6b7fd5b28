// Package echo is the protocol core of `wsbench serve`: an RFC 6455 echo
// server that moves no bytes itself, and the goroutine engine that moves
// them with a goroutine per connection under net/http. The epoll engine,
// in package epoll below this one, drives the same core from event loops.
//
// GET / serves the demo page of the article the project started from:
// the page sends "Can you hear me?" over a WebSocket to /seed, which
// answers every text message with "Loud and clear!". Every other path
// echoes each message back as it came, compressed with permessage-deflate
// when the client offered it and the server's options accept it.
package echo

import (
	"errors"
	"sync"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// maxWholeFrame is the largest frame a connection keeps whole in its read
// buffer (growing it), so as to echo it from there without a copy; larger
// frames are reassembled in a message buffer.
const maxWholeFrame = 1 << 20

// SmallEcho is the payload size up to which an echo is copied into the
// write buffer with the other replies of the same read; larger payloads go
// out in one writev with their header, uncopied.
const SmallEcho = 4 << 10

// Sink is where a connection's replies go: the engine that moves its
// bytes. Writev writes a, b and c in order (any may be empty); an event
// loop may keep what the socket does not take now, and then Pending
// reports true until it is out. The arity is fixed because a variadic
// call through an interface allocates its argument slice on every call.
type Sink interface {
	Writev(a, b, c []byte) error
	Pending() bool
}

// Conn is the protocol side of one echo connection: it decodes what was
// read and produces the replies, and moves no bytes itself. Both server
// engines (a goroutine per connection, and the epoll event loop) drive
// it: read into ReadSpace, add the count with Read, call Process.
//
// Payloads are unmasked in place and echoed from the read buffer. A
// single-frame message that arrives in pieces is decoded piece by piece,
// so that bad UTF-8 fails at once (RFC 6455 §8.1), while its bytes stay
// where they are (hold) to be echoed from there at the end. Only
// fragmented messages and frames over maxWholeFrame are copied, into msg.
type Conn struct {
	s    *Server
	seed bool // answer text with the seed's reply instead of echoing

	d          codec.Decoder
	ev         codec.Event
	h          codec.Header // the next frame's, to see whether to keep it whole
	rb         []byte
	start, end int  // rb[start:end] is not decoded yet
	hold       int  // where the payload of a single-frame message in pieces begins, or -1
	whole      bool // the frame being read is such a message
	msg        []byte
	wb         []byte // replies waiting to be written
	hdr        [codec.MaxHeaderLen]byte
	closeSent  bool

	// permessage-deflate, when negotiated (RFC 7692).
	comp   *deflate.Compressor
	decomp *deflate.Decompressor
	zb     []byte // a compressed reply

	// lend, when set, lends the buffers above (rb, wb, msg, zb): they are
	// taken when needed and given back by Release whenever they hold
	// nothing, so that an idle connection holds none.
	lend *Buffers

	// What the connection holds of the server's memory budget, per
	// buffer: the capacity beyond what every connection is lent anyway
	// (the server's read and write buffer sizes), reserved before it is
	// allocated. fail is set when the budget refused more.
	chargeRB, chargeMsg, chargeZB int64
	chargeZState                  int64 // compression state kept between messages
	fail                          bool
	wholeEnd                      int // with whole, where the frame ends in rb
}

// errBudget fails a connection that would take the server over its memory
// budget. 1013 (try again later) says what happened: the server is short
// of memory for now, which has nothing to do with this message's size
// (1009) or with a rule the client broke (1008), and a client that
// retries later may well succeed.
var errBudget = &codec.ProtocolError{Code: codec.CloseTryAgainLater, Reason: "server memory budget exhausted"}

// newConn returns the protocol side of a connection whose first bytes
// past the handshake are pre. With lend nil it has buffers of its own for
// good; otherwise it borrows them from lend.
func newConn(s *Server, seed bool, pre []byte, lend *Buffers) *Conn {
	e := &Conn{s: s, seed: seed, hold: -1, lend: lend}
	e.d = codec.Decoder{Role: codec.RoleServer, MaxMessage: s.maxMessage}
	if lend == nil {
		e.rb, e.wb = make([]byte, s.readBuf), make([]byte, 0, s.writeBuf)
	}
	if len(pre) > 0 {
		e.ReadSpace()
		if len(pre) > len(e.rb) {
			e.rb = make([]byte, len(pre))
		}
		e.end = copy(e.rb, pre)
	}
	return e
}

// Buffers lends buffers to connections: read buffers, write buffers,
// message buffers (reassembled or inflated messages) and compressed
// replies. An event loop has its own, and the goroutine engine shares one
// among all its connections: it is safe for concurrent use. A buffer that
// grew while it was lent, up to a whole frame or message, is taken back as
// it is, so that the next connection to need that much does not allocate
// it again.
type Buffers struct {
	read, write, msg, zip bufPool
}

// poolBytes bounds the memory each pool of a loop keeps for reuse.
const poolBytes = 8 << 20

// NewBuffers returns the buffers for the connections of one event loop
// of s.
func NewBuffers(s *Server) *Buffers {
	return &Buffers{
		read:  bufPool{size: s.readBuf, max: poolBytes},
		write: bufPool{size: s.writeBuf, max: poolBytes},
		msg:   bufPool{size: s.readBuf, max: poolBytes},
		zip:   bufPool{size: s.readBuf, max: poolBytes},
	}
}

// bufPool is a stack of free buffers of at least size bytes, holding at
// most max bytes; what does not fit goes to the garbage collector.
type bufPool struct {
	size, max int
	mu        sync.Mutex // uncontended in an event loop
	held      int        // bytes in free
	free      [][]byte
}

// get returns a buffer of at least p.size bytes, all of its capacity.
func (p *bufPool) get() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.free)
	if n == 0 {
		return make([]byte, p.size)
	}
	b := p.free[n-1]
	p.free[n-1] = nil
	p.free = p.free[:n-1]
	p.held -= cap(b)
	return b
}

// put takes b back if it is large enough and p has room for it.
func (p *bufPool) put(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cap(b) >= p.size && p.held+cap(b) <= p.max {
		p.free = append(p.free, b[:cap(b)])
		p.held += cap(b)
	}
}

// Release gives lent buffers back when they hold nothing: no undecoded
// or held bytes in rb, no replies in wb, no message being reassembled in
// msg. The caller must have no output pending, which may borrow any of
// them.
func (e *Conn) Release() {
	l := e.lend
	if l == nil {
		return
	}
	// A frame to be held whole keeps rb, grown to its size, from its
	// header on, even before its payload starts.
	if e.rb != nil && e.start == e.end && e.hold < 0 && !(e.whole && e.d.InFrame()) {
		l.read.put(e.rb)
		e.rb, e.start, e.end = nil, 0, 0
		e.uncharge(&e.chargeRB)
	}
	if e.wb != nil && len(e.wb) == 0 {
		l.write.put(e.wb)
		e.wb = nil
	}
	if e.msg != nil && !e.d.InMessage() {
		l.msg.put(e.msg)
		e.msg = nil
		e.uncharge(&e.chargeMsg)
	}
	if e.zb != nil {
		l.zip.put(e.zb)
		e.zb = nil
		e.uncharge(&e.chargeZB)
	}
}

// Free lets go of everything the connection holds, when it has ended:
// its lent buffers go back, and its share of the memory budget.
func (e *Conn) Free() {
	if l := e.lend; l != nil {
		l.read.put(e.rb)
		l.write.put(e.wb)
		l.msg.put(e.msg)
		l.zip.put(e.zb)
	}
	e.rb, e.wb, e.msg, e.zb = nil, nil, nil, nil
	e.start, e.end, e.hold = 0, 0, -1
	e.s.budget.Release(e.chargeRB + e.chargeMsg + e.chargeZB + e.chargeZState)
	e.chargeRB, e.chargeMsg, e.chargeZB, e.chargeZState = 0, 0, 0, 0
}

// grow returns b with room for n more bytes, at twice its capacity or
// more, having reserved the capacity it adds beyond base in charge. It
// returns b unchanged and false when the budget refuses.
func (e *Conn) grow(b []byte, n, base int, charge *int64) ([]byte, bool) {
	if len(b)+n <= cap(b) {
		return b, true
	}
	c := max(2*cap(b), len(b)+n, base)
	extra := int64(max(c-base, 0)) - *charge
	if !e.s.Budget().Reserve(extra) {
		e.fail = true
		return b, false
	}
	*charge += extra
	return append(make([]byte, 0, c), b...), true
}

// growMsg is grow for the message buffer; the Decompressor calls it as
// a message inflates.
func (e *Conn) growMsg(dst []byte, n int) ([]byte, error) {
	dst, ok := e.grow(dst, n, e.s.readBuf, &e.chargeMsg)
	if !ok {
		return dst, errBudget
	}
	return dst, nil
}

// stateBytes estimates what a server's compression keeps per connection
// between messages with parameters p: with context takeover on its side,
// its compressor's state (0.8 MiB at level 1 with a 15-bit window, as
// deflate's documentation measures it; the window alone with a smaller
// one), and on the client's side, the inflate window and its tables.
// Without context takeover the state is pooled and lent per message.
func stateBytes(p deflate.Params) int64 {
	var n int64
	if !p.ServerNoContextTakeover {
		if bits := p.ServerMaxWindowBits; bits == 0 || bits == 15 {
			n += 800 << 10
		} else {
			n += 1 << bits
		}
	}
	if !p.ClientNoContextTakeover {
		bits := p.ClientMaxWindowBits
		if bits == 0 {
			bits = 15
		}
		n += 1<<max(bits, 12) + 9<<10
	}
	return n
}

// deflateOptions returns the terms on which s accepts permessage-deflate
// now: its own, or, when the budget has no room left for a connection's
// compression state, the same without context takeover, which keeps none
// between messages.
func (s *Server) deflateOptions() deflate.ServerOptions {
	o := *s.Deflate
	b := s.Budget()
	full := deflate.Params{ServerNoContextTakeover: o.ServerNoContextTakeover, ClientNoContextTakeover: o.ClientNoContextTakeover, ServerMaxWindowBits: o.ServerMaxWindowBits, ClientMaxWindowBits: o.ClientMaxWindowBits}
	if b.Used()+stateBytes(full) > b.limit {
		o.ServerNoContextTakeover, o.ClientNoContextTakeover = true, true
	}
	return o
}

// uncharge gives back the charge of a buffer that goes back to the pool.
func (e *Conn) uncharge(charge *int64) {
	e.s.budget.Release(*charge)
	*charge = 0
}

// CloseSent reports whether the connection has queued its close frame:
// the server answered the client's close, failed the connection, or
// started the closing handshake. Nothing is sent after it.
func (e *Conn) CloseSent() bool { return e.closeSent }

// Ping sends an empty ping, as the engines do when a connection has been
// idle: any answer shows the client is there.
func (e *Conn) Ping(out Sink) {
	if e.closeSent {
		return
	}
	e.borrowWrite()
	e.wb = codec.AppendHeader(e.wb, codec.Header{Fin: true, Opcode: codec.OpPing})
	e.flush(out)
}

// Fail starts the closing handshake with code and reason, after what is
// queued: for a connection the server gives up on.
func (e *Conn) Fail(out Sink, code codec.CloseCode, reason string) {
	e.borrowWrite()
	e.sendClose(code, reason)
	e.flush(out)
}

// borrowWrite borrows a write buffer if the connection has none.
func (e *Conn) borrowWrite() {
	if e.wb == nil && e.lend != nil {
		e.wb = e.lend.write.get()[:0]
	}
}

// msgBuf returns msg emptied, borrowing one if there is none.
func (e *Conn) msgBuf() []byte {
	if e.msg == nil && e.lend != nil {
		return e.lend.msg.get()[:0]
	}
	return e.msg[:0]
}

// useDeflate turns on permessage-deflate with the negotiated parameters,
// counting the state the connection keeps between messages against the
// budget (deflateOptions has made sure there was room for it).
func (e *Conn) useDeflate(p deflate.Params) {
	e.chargeZState = stateBytes(p)
	e.s.Budget().add(e.chargeZState)
	e.d.AllowedRsv = codec.Rsv1
	e.comp = deflate.NewCompressor(p, codec.RoleServer, deflate.DefaultLevel)
	e.decomp = deflate.NewDecompressor(p, codec.RoleServer, e.s.maxMessage)
	e.decomp.SetGrow(e.growMsg)
}

// ReadSpace makes room at the end of the read buffer and returns it. It
// keeps undecoded bytes, and a held message, at the front of the buffer;
// each partial frame moves at most once.
func (e *Conn) ReadSpace() []byte {
	if e.rb == nil {
		e.rb = e.lend.read.get()
	}
	keep := e.start
	if e.hold >= 0 {
		keep = e.hold
	}
	if keep > 0 {
		e.end = copy(e.rb, e.rb[keep:e.end])
		e.start -= keep
		e.wholeEnd -= keep
		if e.hold >= 0 {
			e.hold = 0
		}
	}
	// A frame kept whole grows the buffer as its bytes arrive, doubling
	// when it runs short, never from the length its header declares: a
	// header alone costs nothing.
	if e.whole && e.wholeEnd > len(e.rb) && len(e.rb)-e.end < len(e.rb)/4 {
		rb, ok := e.grow(e.rb[:e.end], min(e.wholeEnd, 2*len(e.rb))-e.end, e.s.readBuf, &e.chargeRB)
		if !ok {
			// Nothing more can be read in: let the engine read into
			// scratch space, which Process ignores as it fails.
			return e.hdr[:]
		}
		e.rb = rb[:cap(rb)]
	}
	return e.rb[e.end:]
}

// Read records n bytes read into ReadSpace. Bytes read into the scratch
// space ReadSpace gives once the budget has refused more are dropped.
func (e *Conn) Read(n int) {
	if !e.fail {
		e.end += n
	}
}

// Process decodes what was read and writes the replies to out: small ones
// gathered into one write, large echoes with their header in one writev.
// It returns done when the connection must end once out has written
// everything: a close frame was answered or a protocol error sent one. It
// stops early, with bytes left, while out has output pending.
func (e *Conn) Process(out Sink) (done bool) {
	done = e.process(out)
	e.flush(out)
	return done
}

// flush writes the replies queued in wb.
func (e *Conn) flush(out Sink) {
	if len(e.wb) > 0 {
		out.Writev(e.wb, nil, nil)
		e.wb = e.wb[:0]
	}
}

// GoingAway sends close 1001, after what is queued, when the server
// shuts down.
func (e *Conn) GoingAway(out Sink) { e.Fail(out, codec.CloseGoingAway, "server shutting down") }

func (e *Conn) process(out Sink) (done bool) {
	e.borrowWrite()
	if e.fail {
		return e.overBudget()
	}
	for e.start < e.end {
		if out.Pending() {
			return false
		}
		if !e.d.InFrame() {
			h := &e.h
			hn, err := h.Parse(e.rb[e.start:e.end])
			if err == codec.ErrShortHeader {
				return false
			}
			e.whole = err == nil && h.Fin && h.Opcode.IsData() && h.Opcode != codec.OpContinuation &&
				h.Length <= maxWholeFrame-int64(hn)
			e.wholeEnd = e.start + hn + int(h.Length)
		}
		k, err := e.d.Next(e.rb[e.start:e.end], &e.ev)
		e.start += k
		if err != nil {
			e.s.Logf("protocol error: %v", err)
			var pe *codec.ProtocolError
			if errors.As(err, &pe) {
				e.sendClose(pe.Code, pe.Reason)
			}
			return true
		}
		ev := &e.ev
		switch ev.Kind {
		case codec.EventNone:
			return false
		case codec.EventData:
			switch {
			case ev.Rsv&codec.Rsv1 != 0:
				// Compressed: inflate into msg, within the size limit and
				// with the UTF-8 check of text, then echo.
				if ev.Start {
					e.msg = e.msgBuf()
				}
				var err error
				if e.msg, err = e.decomp.AppendChunk(e.msg, ev.Opcode, ev.Payload, ev.End); err != nil {
					if err == errBudget {
						return e.overBudget()
					}
					e.s.Logf("permessage-deflate: %v", err)
					var pe *codec.ProtocolError
					if errors.As(err, &pe) {
						e.sendClose(pe.Code, pe.Reason)
					} else {
						e.sendClose(codec.CloseInternalError, "")
					}
					return true
				}
				if ev.End {
					e.echo(out, ev.Opcode, e.msg)
				}
			case ev.Start && ev.End:
				e.echo(out, ev.Opcode, ev.Payload)
			case e.whole:
				if ev.Start {
					e.hold = e.start - len(ev.Payload)
				}
				if ev.End {
					e.echo(out, ev.Opcode, e.rb[e.hold:e.start])
					e.hold = -1
				}
			default:
				if ev.Start {
					e.msg = e.msgBuf()
				}
				var ok bool
				if e.msg, ok = e.grow(e.msg, len(ev.Payload), e.s.readBuf, &e.chargeMsg); !ok {
					return e.overBudget()
				}
				e.msg = append(e.msg, ev.Payload...)
				if ev.End {
					e.echo(out, ev.Opcode, e.msg)
				}
			}
		case codec.EventPing:
			if !e.closeSent {
				e.wb = codec.AppendHeader(e.wb, codec.Header{Fin: true, Opcode: codec.OpPong, Length: int64(len(ev.Payload))})
				e.wb = append(e.wb, ev.Payload...)
			}
		case codec.EventClose:
			e.s.Logf("close received: %v %q", ev.Code, ev.Reason)
			// Echo the code and the reason (already checked: UTF-8, at most
			// 123 bytes), after the replies to what came before.
			e.sendClose(codec.CloseReply(ev.Code), string(ev.Reason))
			return true
		}
	}
	return false
}

// overBudget fails the connection with 1013 when the memory budget
// refused it more; it reports done.
func (e *Conn) overBudget() bool {
	if !e.closeSent {
		e.s.Logf("memory budget exhausted: closing with 1013")
		e.s.Count(RefusedMemory)
	}
	e.sendClose(errBudget.Code, errBudget.Reason)
	return true
}

// echo answers one message.
func (e *Conn) echo(out Sink, op codec.Opcode, p []byte) {
	if e.closeSent {
		return
	}
	if e.seed && op == codec.OpText {
		p = seedReply
	}
	e.s.messages.Add(1)
	e.s.bytes.Add(int64(len(p)))
	h := codec.Header{Fin: true, Opcode: op}
	if e.comp != nil && len(p) >= deflate.MinSize {
		if e.zb == nil && e.lend != nil {
			e.zb = e.lend.zip.get()
		}
		var err error
		if e.zb, err = e.comp.AppendMessage(e.zb[:0], p); err == nil {
			p, h.Rsv = e.zb, codec.Rsv1
		}
		// The compressor grows zb itself; what it grew to is counted
		// after the fact, bounded as it is by a message already counted.
		if c := int64(max(cap(e.zb)-e.s.readBuf, 0)); c != e.chargeZB {
			e.s.budget.add(c - e.chargeZB)
			e.chargeZB = c
		}
	}
	h.Length = int64(len(p))
	if len(p) <= SmallEcho && len(e.wb)+len(p)+codec.MaxHeaderLen <= cap(e.wb) {
		e.wb = codec.AppendHeader(e.wb, h)
		e.wb = append(e.wb, p...)
		return
	}
	// Header and payload in one writev, after what is queued.
	out.Writev(e.wb, codec.AppendHeader(e.hdr[:0], h), p)
	e.wb = e.wb[:0]
}

// sendClose queues a close frame, once; nothing is sent after it.
func (e *Conn) sendClose(code codec.CloseCode, reason string) {
	if e.closeSent {
		return
	}
	e.closeSent = true
	var body [2 + codec.MaxControlPayload]byte
	p := codec.AppendClose(body[:0], code, reason)
	e.wb = codec.AppendHeader(e.wb, codec.Header{Fin: true, Opcode: codec.OpClose, Length: int64(len(p))})
	e.wb = append(e.wb, p...)
}
