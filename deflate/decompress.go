package deflate

import (
	"slices"
	"sync"

	"github.com/wsframe/wsframe/codec"
)

// tail is what a sender removes from the end of every compressed message
// and the receiver puts back (RFC 7692 §7.2.1, §7.2.2): LEN and NLEN of an
// empty stored block.
var tail = [4]byte{0x00, 0x00, 0xff, 0xff}

// Decompressor inflates the compressed messages of one connection (RFC
// 7692 §7.2.2). Feed it the payload of each message whose first frame had
// RSV1 set, chunk by chunk as a [codec.Decoder] hands it out, with
// [Decompressor.AppendChunk]. Chunks may end anywhere, even inside a
// Huffman code; the Decompressor keeps what it needs.
//
// It enforces a limit on the size of each inflated message and returns
// [ErrMessageTooBig] (1009) as soon as a message passes it, having
// appended at most the limit plus one byte: a small message that would
// inflate to gigabytes costs no more memory than the limit. It checks the
// inflated text of text messages as it goes and fails with
// [codec.ErrInvalidUTF8] (1007) at the first bad byte, and compressed data
// that is not valid DEFLATE, or that refers further back than the peer's
// agreed window, with [ErrInvalidData] (1007). After an error it returns
// the same error until [Decompressor.Reset].
//
// With context takeover on the peer's side its window, 1<<bits bytes (at
// least 4 KiB) for the peer's max_window_bits, stays with the connection.
// Without, the window is needed only while a message is being inflated: it
// is taken from a pool shared by all connections when a message starts and
// given back when it ends, so an idle connection holds none.
//
// A Decompressor is not safe for concurrent use. Once running it does
// not allocate, as long as dst has room for the inflated message.
type Decompressor struct {
	max      int64 // limit on an inflated message
	bits     int   // the peer's window bits
	takeover bool  // the peer keeps its window between messages

	grow func(dst []byte, n int) ([]byte, error) // see SetGrow

	f     *inflater // nil between messages when !takeover
	inMsg bool      // a message has started and not ended
	text  bool      // it is a text message: check UTF-8
	size  int64     // bytes of it inflated so far
	utf8  codec.UTF8Validator
	err   error
}

// inflaterPools hold the windows of decompressors without context
// takeover, one pool per window size.
var inflaterPools [16]sync.Pool

// NewDecompressor returns a Decompressor for this endpoint's role: a
// server inflates what the client compressed, with the client's window
// bits and context takeover from p, and a client what the server
// compressed. maxMessage is the largest inflated message accepted, in
// bytes; 0 or less means [codec.DefaultMaxMessage] (32 MiB).
func NewDecompressor(p Params, role codec.Role, maxMessage int64) *Decompressor {
	bits, noTakeover := p.ClientMaxWindowBits, p.ClientNoContextTakeover
	if role == codec.RoleClient {
		bits, noTakeover = p.ServerMaxWindowBits, p.ServerNoContextTakeover
	}
	if maxMessage <= 0 {
		maxMessage = codec.DefaultMaxMessage
	}
	return &Decompressor{max: maxMessage, bits: windowBits(bits), takeover: !noTakeover}
}

// SetGrow makes grow what gives dst room as a message inflates, in
// place of append's growth: it must return dst with room for at least n
// more bytes, or an error, which then ends the message as the size limit
// does. A server passes a function that counts the bytes against a memory
// budget shared by its connections, so that many messages inflating at
// once cannot together take more than the budget, whatever each one's
// limit.
func (d *Decompressor) SetGrow(grow func(dst []byte, n int) ([]byte, error)) { d.grow = grow }

// Reset makes d ready for a new connection with the same parameters,
// forgetting its history, any message in progress and any error.
func (d *Decompressor) Reset() {
	if d.f != nil {
		d.f.reset()
		if !d.takeover {
			inflaterPools[d.bits].Put(d.f)
			d.f = nil
		}
	}
	d.inMsg, d.size, d.err = false, 0, nil
}

// AppendChunk inflates the next chunk of a compressed message's payload,
// appends the result to dst and returns the extended buffer. op is the
// message's opcode (the Decoder's Event.Opcode); text is checked for UTF-8.
// last marks the message's final chunk (Event.End): AppendChunk then adds
// the 00 00 ff ff tail the sender removed (RFC 7692 §7.2.2), inflates it,
// and checks that the compressed data ended where a message must, at the
// end of a block. A chunk may be empty.
//
// The next call after the last chunk starts a new message. dst grows as
// append would grow it, by at most the limit over a whole message; to
// avoid allocating, pass a buffer with capacity left over from earlier
// messages.
//
// On error dst holds the bytes appended before it, which are not valid
// output, and the connection must fail with the *codec.ProtocolError's
// code: 1007 for [ErrInvalidData] and [codec.ErrInvalidUTF8], 1009 for
// [ErrMessageTooBig].
func (d *Decompressor) AppendChunk(dst []byte, op codec.Opcode, chunk []byte, last bool) ([]byte, error) {
	if d.err != nil {
		return dst, d.err
	}
	if !d.inMsg {
		if d.f == nil {
			d.f = d.get()
		}
		d.inMsg, d.text, d.size = true, op == codec.OpText, 0
		d.utf8.Reset()
	}
	dst, err := d.inflate(dst, chunk)
	if err == nil && last {
		dst, err = d.inflate(dst, tail[:])
		switch {
		case err != nil:
		case !d.f.atBoundary():
			err = ErrInvalidData
		case d.text && !d.utf8.Done():
			err = codec.ErrInvalidUTF8
		}
	}
	if err != nil {
		d.err = err
		return dst, err
	}
	if last {
		d.inMsg = false
		if !d.takeover {
			d.f.reset()
			inflaterPools[d.bits].Put(d.f)
			d.f = nil
		}
	}
	return dst, nil
}

// AppendMessage inflates a whole compressed message: AppendChunk with
// last set.
func (d *Decompressor) AppendMessage(dst []byte, op codec.Opcode, payload []byte) ([]byte, error) {
	return d.AppendChunk(dst, op, payload, true)
}

func (d *Decompressor) get() *inflater {
	if !d.takeover {
		if f, ok := inflaterPools[d.bits].Get().(*inflater); ok {
			return f
		}
	}
	return newInflater(d.bits)
}

// inflate runs all of in through the inflater, appending its output to
// dst and checking the limit and UTF-8.
func (d *Decompressor) inflate(dst, in []byte) ([]byte, error) {
	f := d.f
	for {
		// Never more than one byte past the limit.
		out := dst[len(dst):cap(dst)]
		if rem := d.max - d.size + 1; int64(len(out)) > rem {
			out = out[:rem]
		}
		n, m, err := f.inflate(out, in)
		if d.text && n > 0 && !d.utf8.Feed(out[:n]) {
			return dst, codec.ErrInvalidUTF8
		}
		dst = dst[:len(dst)+n]
		d.size += int64(n)
		in = in[m:]
		if d.size > d.max {
			return dst, ErrMessageTooBig
		}
		if err != nil {
			return dst, err
		}
		if len(in) == 0 && f.pending() == 0 {
			return dst, nil
		}
		if len(dst) == cap(dst) {
			// Room for what waits in the window and what in may
			// hold, and at least doubling dst, as append would, but
			// never more than one byte past the limit.
			want := int(min(int64(max(f.pending(), 2*len(in), len(dst), 512)), d.max-d.size+1))
			if d.grow == nil {
				dst = slices.Grow(dst, want)
			} else if dst, err = d.grow(dst, want); err != nil {
				return dst, err
			}
		}
	}
}
