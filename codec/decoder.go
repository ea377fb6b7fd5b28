package codec

// DefaultMaxMessage is the largest message a [Decoder] accepts when its
// MaxMessage is zero: 32 MiB of payload, counted over all fragments.
const DefaultMaxMessage = 32 << 20

// EventKind says what a [Decoder] event carries.
type EventKind uint8

const (
	EventNone  EventKind = iota // no complete event yet: feed more bytes
	EventData                   // a chunk of a data message
	EventPing                   // a whole ping frame
	EventPong                   // a whole pong frame
	EventClose                  // a whole close frame, already checked
)

var eventNames = [...]string{"none", "data", "ping", "pong", "close"}

// String returns the kind's lower-case name.
func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "invalid"
}

// Event is what [Decoder.Next] found. Payload and Reason alias either the
// bytes passed to Next or the decoder's own buffer, and are valid until the
// next call of Next. Which fields mean something depends on Kind; Next
// leaves the others as they were.
type Event struct {
	Kind EventKind

	// Opcode is the message's type (OpText or OpBinary) on every chunk of
	// a data message, and the frame's opcode on a control event.
	Opcode Opcode
	// Rsv holds the RSV bits of the message's first frame: Rsv1 means the
	// payload is compressed (RFC 7692), and that the decoder left UTF-8
	// checking to the decompressor.
	Rsv uint8
	// Start and End mark the first and the last chunk of a data message. A
	// message of one small frame is one event with both set; an empty
	// message is one event with both set and no payload.
	Start, End bool

	// Payload is the chunk of a data message, unmasked, or the whole
	// payload of a control frame.
	Payload []byte

	// Code and Reason are the status code and reason of a close frame. A
	// close frame without a body gives CloseNoStatus.
	Code   CloseCode
	Reason []byte
}

// Decoder turns a stream of bytes into messages and control frames. It does
// no I/O: feed it whatever bytes arrived, in any chunking down to one byte
// at a time, and it reports the same messages. It never copies a data
// payload: chunks are unmasked in place in the bytes it is fed. It keeps a
// partial header or a partial control frame (at most 14 and 125 bytes) in
// itself, so a caller never has to keep bytes it has fed.
//
// It enforces the receiving rules of RFC 6455 §5, §7 and §8: the rules of
// [Header.Validate]; a continuation frame needs a message to continue and a
// new data message must wait for the last one to end (§5.4); RSV1 only on
// the first frame of a data message (RFC 7692 §6); close payloads as
// [ParseClose] checks them; UTF-8 in text messages, checked as the
// fragments arrive so that bad text fails before the message ends (§8.1);
// and the message size limit. Errors are *[ProtocolError] values carrying
// the close code to fail the connection with; after one, Next returns it
// again. After a close frame, everything else is ignored (§5.5.1: "the
// endpoint ... MAY not send any more data frames").
//
// Set the configuration fields before the first call of Next. The zero
// Decoder is a server's decoder with no extensions and the default limit.
type Decoder struct {
	// Role is this endpoint's role. A server's decoder requires masked
	// frames and a client's requires unmasked ones (§5.1).
	Role Role
	// AllowedRsv holds the RSV bits the negotiated extensions define, such
	// as Rsv1 for permessage-deflate.
	AllowedRsv uint8
	// MaxMessage is the largest message accepted, in payload bytes as
	// received (compressed, if so); 0 means DefaultMaxMessage. A message
	// over the limit fails with CloseMessageTooBig (1009) as soon as a
	// frame header shows it, before its payload is read.
	MaxMessage int64

	err    error
	closed bool

	hdr    [MaxHeaderLen]byte // a header that arrived in pieces
	hdrLen int

	h       Header // the frame being read
	inFrame bool
	remain  int64 // payload bytes of h still to come
	pos     int   // masking-key offset of the next payload byte

	msgOp      Opcode // type of the message in progress; 0 when none
	msgRsv     uint8
	msgSize    int64
	msgStarted bool // an event of this message has been returned
	checkUTF8  bool
	utf8       UTF8Validator

	ctl    [MaxControlPayload]byte // a control payload that arrived in pieces
	ctlLen int
}

// Reset makes d ready for a new connection, keeping its configuration.
func (d *Decoder) Reset() {
	*d = Decoder{Role: d.Role, AllowedRsv: d.AllowedRsv, MaxMessage: d.MaxMessage}
}

// Closed reports whether d has decoded a close frame.
func (d *Decoder) Closed() bool { return d.closed }

// InFrame reports whether d has read part of a frame (some of its header
// or payload) and needs the rest. A caller that wants whole frames in its
// buffer can, when InFrame is false, read the next header with ParseHeader
// and wait until the frame is complete before calling Next.
func (d *Decoder) InFrame() bool { return d.inFrame || d.hdrLen > 0 }

// InMessage reports whether a data message has begun and not ended.
func (d *Decoder) InMessage() bool { return d.msgOp != 0 }

// Next decodes from p, the bytes that arrived and were not consumed yet,
// and returns the number of bytes it consumed and at most one event in ev.
//
// When ev.Kind is EventNone, Next has consumed all of p and needs more
// bytes. Otherwise it consumed the bytes up to the end of the event; call
// it again with the rest. A chunk of data payload in ev aliases p. On error
// ev is EventNone and d is done: every later call returns the same error.
func (d *Decoder) Next(p []byte, ev *Event) (n int, err error) {
	// Set only the fields that change: assigning a whole Event would copy
	// it through memory on every call.
	ev.Kind, ev.Payload = EventNone, nil
	if d.err != nil {
		return 0, d.err
	}
	if d.closed {
		return len(p), nil
	}
	for {
		if !d.inFrame {
			m, err := d.readHeader(p[n:])
			n += m
			if err != nil {
				if err == ErrShortHeader {
					return n, nil
				}
				d.err = err
				return n, err
			}
		}
		avail := int64(len(p) - n)
		if d.h.Opcode.IsControl() {
			var payload []byte
			if d.ctlLen == 0 && avail >= d.remain {
				// The whole payload is here: unmask it where it is.
				payload = p[n : n+int(d.remain)]
				n += int(d.remain)
			} else {
				k := min(avail, d.remain)
				d.ctlLen += copy(d.ctl[d.ctlLen:], p[n:n+int(k)])
				n += int(k)
				d.remain -= k
				if d.remain > 0 {
					return n, nil
				}
				payload = d.ctl[:d.ctlLen]
			}
			d.inFrame = false
			if d.h.Masked {
				Mask(payload, d.h.Key, 0)
			}
			if err := d.control(payload, ev); err != nil {
				ev.Kind, ev.Payload = EventNone, nil
				d.err = err
				return n, err
			}
			return n, nil
		}

		k := min(avail, d.remain)
		chunk := p[n : n+int(k)]
		if d.h.Masked && k > 0 {
			d.pos = Mask(chunk, d.h.Key, d.pos)
		}
		n += int(k)
		d.remain -= k
		if d.remain == 0 {
			d.inFrame = false
		}
		end := d.remain == 0 && d.h.Fin
		if d.checkUTF8 {
			var ok bool
			if end && !d.msgStarted {
				// The whole message is this chunk: one call, no state.
				ok = ValidUTF8(chunk)
			} else {
				ok = (k == 0 || d.utf8.Feed(chunk)) && (!end || d.utf8.Done())
			}
			if !ok {
				d.err = ErrInvalidUTF8
				return n, d.err
			}
		}
		if k == 0 && !end {
			// An empty fragment, or a header whose payload has not
			// arrived: nothing to report yet.
			if n == len(p) {
				return n, nil
			}
			continue
		}
		ev.Kind, ev.Opcode, ev.Rsv, ev.Start, ev.End, ev.Payload = EventData, d.msgOp, d.msgRsv, !d.msgStarted, end, chunk
		d.msgStarted = true
		if end {
			d.msgOp = 0
		}
		return n, nil
	}
}

// readHeader reads the next frame header from b, or as much of it as b
// holds, and starts the frame. It returns ErrShortHeader, having consumed
// all of b, when the header is not complete yet.
func (d *Decoder) readHeader(b []byte) (n int, err error) {
	if d.hdrLen == 0 {
		m, err := d.h.Parse(b)
		if err == nil {
			return m, d.begin()
		}
		if err != ErrShortHeader {
			return 0, err
		}
		d.hdrLen = copy(d.hdr[:], b)
		return len(b), ErrShortHeader
	}
	for {
		need, err := d.h.Parse(d.hdr[:d.hdrLen])
		if err == nil {
			d.hdrLen = 0
			return n, d.begin()
		}
		if err != ErrShortHeader {
			return n, err
		}
		if n == len(b) {
			return n, ErrShortHeader
		}
		m := copy(d.hdr[d.hdrLen:need], b[n:])
		d.hdrLen += m
		n += m
	}
}

// begin checks the header in d.h against the connection's state and
// starts reading its payload.
func (d *Decoder) begin() error {
	h := &d.h
	if err := h.validate(d.Role, d.AllowedRsv); err != nil {
		return err
	}
	op := h.Opcode
	if h.Rsv&Rsv1 != 0 && (op.IsControl() || op == OpContinuation) {
		return ErrCompressedFragment
	}
	if !op.IsControl() {
		if op == OpContinuation {
			if d.msgOp == 0 {
				return ErrUnexpectedContinuation
			}
		} else {
			if d.msgOp != 0 {
				return ErrExpectedContinuation
			}
			d.msgOp, d.msgRsv, d.msgSize, d.msgStarted = op, h.Rsv, 0, false
			d.checkUTF8 = op == OpText && h.Rsv&Rsv1 == 0
			d.utf8.Reset()
		}
		max := d.MaxMessage
		if max <= 0 {
			max = DefaultMaxMessage
		}
		if h.Length > max-d.msgSize {
			return ErrMessageTooBig
		}
		d.msgSize += h.Length
	}
	d.remain, d.pos, d.inFrame, d.ctlLen = h.Length, 0, true, 0
	return nil
}

// control fills ev for a complete, unmasked control payload.
func (d *Decoder) control(payload []byte, ev *Event) error {
	op := d.h.Opcode
	ev.Opcode, ev.Payload, ev.Start, ev.End, ev.Rsv = op, payload, false, false, 0
	switch op {
	case OpPing:
		ev.Kind = EventPing
	case OpPong:
		ev.Kind = EventPong
	case OpClose:
		code, reason, err := ParseClose(payload)
		if err != nil {
			return err
		}
		ev.Kind, ev.Code, ev.Reason = EventClose, code, reason
		d.closed = true
	}
	return nil
}
