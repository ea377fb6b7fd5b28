package wsnet

import (
	"errors"
	"io"
	"strconv"

	"github.com/wsframe/wsframe/codec"
)

// DefaultReadBufferSize is the size of a [Reader]'s read buffer.
const DefaultReadBufferSize = 8 << 10

// ClosedError is how a [Reader] reports the end of the connection. Code
// and Reason come from the peer's close frame; Code is CloseAbnormal (1006)
// when the connection ended without one, and Err then says why.
type ClosedError struct {
	Code   codec.CloseCode
	Reason string
	Err    error
}

func (e *ClosedError) Error() string {
	s := "wsnet: connection closed: " + e.Code.String()
	if e.Reason != "" {
		s += ": " + strconv.Quote(e.Reason)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ClosedError) Unwrap() error { return e.Err }

// Reader reads messages from an io.Reader, normally a net.Conn, with a
// [codec.Decoder]. It answers pings and close frames through its Replies writer,
// and reports the end of the connection as a *[ClosedError] or the
// *[codec.ProtocolError] that ended it (after sending the matching close frame
// through Replies).
//
// A Reader is for one goroutine. Set its fields before the first read.
type Reader struct {
	// Replies, when set, is where the Reader answers: a pong for every
	// ping (unless OnPing is set), the close frame that echoes a peer's
	// close (§5.5.1), and a close frame with the code of any protocol
	// error it finds (§7.1.7).
	Replies *Writer
	// OnPing, when set, receives each ping's payload instead of the
	// automatic pong. OnPong receives each pong's payload. The payload is
	// valid only during the call. An error they return ends reading.
	OnPing, OnPong func(payload []byte) error
	// MaxMessage and AllowedRsv configure the Decoder; see there. With
	// Decompress set, MaxMessage bounds the compressed size of a message,
	// and the decompressor bounds the inflated size.
	MaxMessage int64
	AllowedRsv uint8
	// Decompress, when set, inflates messages whose first frame has RSV1
	// set, as permessage-deflate sends them (RFC 7692 §6.2): a
	// *deflate.Decompressor (package github.com/wsframe/wsframe/deflate)
	// made for the parameters the handshake agreed on. RSV1 is then
	// allowed on a message's first frame, and the Reader hands out the
	// inflated payload; its errors (1007, 1009) end reading as the
	// Decoder's do.
	Decompress MessageDecompressor

	src  io.Reader
	buf  []byte
	r, w int // buf[r:w] holds bytes not yet given to the decoder
	dec  codec.Decoder
	ev   codec.Event
	err  error
	mr   messageReader

	plain []byte // the inflated bytes of the current chunk, with Decompress
}

// MessageDecompressor inflates compressed messages chunk by chunk for a
// [Reader]; *deflate.Decompressor implements it. AppendChunk appends to
// dst what chunk, the next part of a message of type op, inflates to; last
// marks the message's final chunk. An error must be a *[codec.ProtocolError]
// (or wrap one) for the Reader to send its close code.
type MessageDecompressor interface {
	AppendChunk(dst []byte, op codec.Opcode, chunk []byte, last bool) ([]byte, error)
}

// NewReader returns a Reader for role reading from src with a buffer of
// DefaultReadBufferSize bytes.
func NewReader(src io.Reader, role codec.Role) *Reader {
	return NewReaderSize(src, role, DefaultReadBufferSize)
}

// NewReaderSize returns a Reader with a read buffer of size bytes (at
// least 256). Messages may be far larger than the buffer: they are read in
// pieces.
func NewReaderSize(src io.Reader, role codec.Role, size int) *Reader {
	return newReader(src, role, size, nil)
}

// newReader returns a Reader whose first bytes are buffered, bytes read
// from src before, such as the frames a client sent with its request.
func newReader(src io.Reader, role codec.Role, size int, buffered []byte) *Reader {
	r := &Reader{src: src, buf: make([]byte, max(size, 256, len(buffered)))}
	r.w = copy(r.buf, buffered)
	r.dec.Role = role
	r.mr.r = r
	return r
}

// next returns the next event, reading from src as needed and handling
// control frames. It returns only data events.
func (r *Reader) next() (*codec.Event, error) {
	for {
		if r.err != nil {
			return nil, r.err
		}
		n, err := r.dec.Next(r.buf[r.r:r.w], &r.ev)
		r.r += n
		if err != nil {
			r.fail(err)
			return nil, r.err
		}
		switch r.ev.Kind {
		case codec.EventData:
			if r.ev.Rsv&codec.Rsv1 != 0 && r.Decompress != nil {
				r.plain, err = r.Decompress.AppendChunk(r.plain[:0], r.ev.Opcode, r.ev.Payload, r.ev.End)
				if err != nil {
					r.fail(err)
					return nil, r.err
				}
				r.ev.Payload = r.plain
			}
			return &r.ev, nil
		case codec.EventNone:
			// The decoder took every byte; refill from the start.
			r.r, r.w = 0, 0
			m, err := r.src.Read(r.buf)
			r.w = m
			if m == 0 && isTimeout(err) {
				// A deadline passed: the decoder holds its place, and the
				// caller may extend the deadline and read on.
				return nil, err
			}
			if m == 0 && err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				r.err = &ClosedError{Code: codec.CloseAbnormal, Err: err}
				return nil, r.err
			}
		default:
			if err := r.control(&r.ev); err != nil {
				r.err = err
				return nil, err
			}
		}
	}
}

// isTimeout reports whether err says a deadline passed, as net.Error's
// Timeout does.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func (r *Reader) fail(err error) {
	r.err = err
	var pe *codec.ProtocolError
	if errors.As(err, &pe) && r.Replies != nil {
		r.Replies.WriteClose(pe.Code, pe.Reason)
	}
}

func (r *Reader) control(ev *codec.Event) error {
	switch ev.Kind {
	case codec.EventPing:
		if r.OnPing != nil {
			return r.OnPing(ev.Payload)
		}
		if r.Replies != nil {
			if err := r.Replies.WritePong(ev.Payload); err != nil && err != codec.ErrCloseSent {
				return err
			}
		}
	case codec.EventPong:
		if r.OnPong != nil {
			return r.OnPong(ev.Payload)
		}
	case codec.EventClose:
		if r.Replies != nil && !r.Replies.CloseSent() {
			r.Replies.WriteClose(codec.CloseReply(ev.Code), "")
		}
		return &ClosedError{Code: ev.Code, Reason: string(ev.Reason)}
	}
	return nil
}

func (r *Reader) configure() {
	r.dec.MaxMessage, r.dec.AllowedRsv = r.MaxMessage, r.AllowedRsv
	if r.Decompress != nil {
		r.dec.AllowedRsv |= codec.Rsv1
	}
}

// NextReader returns the type of the next data message and a reader for
// its payload, which returns io.EOF at the end of the message. The reader
// is valid until the next call of NextReader or ReadMessage, which first
// discards whatever of the message is left. Control frames that arrive on
// the way are handled as the Reader's fields say. A read deadline that
// passes returns the source's timeout error, from NextReader or from the
// message's reader, and reading goes on once the deadline is extended.
func (r *Reader) NextReader() (codec.Opcode, io.Reader, error) {
	r.configure()
	r.mr.resume = false
	if err := r.mr.discard(); err != nil {
		return 0, nil, err
	}
	for {
		ev, err := r.next()
		if err != nil {
			return 0, nil, err
		}
		if !ev.Start { // cannot happen: a message's chunks are read through mr
			continue
		}
		r.mr.active, r.mr.pending, r.mr.end = true, ev.Payload, ev.End
		return ev.Opcode, &r.mr, nil
	}
}

// ReadMessage reads the next data message whole, appends its payload to
// dst and returns the message's type and the extended buffer. The
// Reader's MaxMessage bounds how far dst can grow.
//
// A read deadline that passes is an error the caller can recover from,
// as with a net.Conn: the error is the source's (its Timeout method
// reports true), and after extending the deadline the caller reads on.
// When the deadline passed in the middle of a message, ReadMessage
// returns what it read of the message appended to dst, and the next call
// of ReadMessage appends the rest to the slice it is given, which should
// be that one; NextReader instead discards the rest.
func (r *Reader) ReadMessage(dst []byte) (codec.Opcode, []byte, error) {
	op := r.mr.op
	if !r.mr.resume {
		var err error
		if op, _, err = r.NextReader(); err != nil {
			return 0, dst, err
		}
	}
	r.mr.resume = false
	for {
		dst = append(dst, r.mr.pending...)
		r.mr.pending = nil
		if r.mr.end {
			r.mr.active = false
			return op, dst, nil
		}
		ev, err := r.next()
		if err != nil {
			r.mr.resume, r.mr.op = isTimeout(err), op
			return op, dst, err
		}
		r.mr.pending, r.mr.end = ev.Payload, ev.End
	}
}

// messageReader is the io.Reader of NextReader.
type messageReader struct {
	r       *Reader
	pending []byte       // unread part of the current chunk
	end     bool         // the current chunk is the message's last
	active  bool         // the message has unread bytes or chunks
	resume  bool         // a deadline interrupted ReadMessage in this message
	op      codec.Opcode // the message's type, for ReadMessage to resume
}

func (m *messageReader) Read(p []byte) (int, error) {
	for len(m.pending) == 0 {
		if m.end || !m.active {
			m.active = false
			return 0, io.EOF
		}
		ev, err := m.r.next()
		if err != nil {
			return 0, err
		}
		m.pending, m.end = ev.Payload, ev.End
	}
	n := copy(p, m.pending)
	m.pending = m.pending[n:]
	return n, nil
}

// discard skips what is left of the message.
func (m *messageReader) discard() error {
	for m.active {
		m.pending = nil
		if m.end {
			m.active = false
			return nil
		}
		ev, err := m.r.next()
		if err != nil {
			return err
		}
		m.pending, m.end = ev.Payload, ev.End
	}
	return nil
}
