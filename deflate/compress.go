package deflate

import (
	"bytes"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/wsframe/wsframe/codec"
)

// Compression levels for [NewCompressor]. Levels 1 to 9 are those of
// github.com/klauspost/compress/flate, which does the compressing: higher
// levels compress more and run slower.
const (
	// DefaultLevel is level 1: on the JSON and text messages this
	// package is measured with, its output is 4 to 11% larger than level
	// 5's, at twice the speed (see the README).
	DefaultLevel = 0
	// BestSpeed is level 1, the fastest that looks for repeated strings.
	BestSpeed = 1
	// BestCompression is level 9.
	BestCompression = 9
	// HuffmanOnly only entropy-codes the bytes, looking for no repeated
	// strings: fast and the least compression (52 to 66% of the size of
	// the JSON and text measured), and with no window, so it suits any
	// max_window_bits and keeps nothing between messages.
	HuffmanOnly = -2
)

// MinSize is the payload size below which a sender does better not to
// compress: DEFLATE's block overhead and the sync flush make messages
// shorter than this longer more often than shorter. It is the default
// threshold of wsnet's Writer and of the echo servers.
const MinSize = 64

// Compressor compresses the messages one endpoint sends (RFC 7692
// §7.2.1): it compresses each payload, ends it with a sync flush and
// removes the flush's 00 00 ff ff tail. Send the result as the payload of
// a data message whose first frame has RSV1 set (codec.Encoder.AppendFrame
// with codec.Rsv1).
//
// With context takeover the compressor keeps its LZ77 window from one
// message to the next, so later messages can refer to earlier ones; the
// compressed messages must then all be sent, in order. With a 15-bit
// window it keeps all of its state, which is large (klauspost/compress
// v1.20.4, measured in the README): 0.8 MiB per connection at level 1, 1.0
// to 1.4 MiB at the other levels. With a smaller window it keeps only the
// last window bytes it compressed (4 KiB at 12 bits), and primes a
// compressor from a shared pool with them at the start of each message,
// which costs time in proportion to the window. Without context takeover
// (no_context_takeover for this endpoint), and always at HuffmanOnly, the
// state is needed only while a message is being compressed: it comes from
// a pool shared by all connections and goes back when the message ends,
// so an idle connection holds none.
//
// Compressing a message is optional: a message sent with RSV1 clear is
// not compressed, and does not enter either side's window. Small messages
// gain little (16 bytes of JSON or text grow to 22 without context
// takeover) and cost a flush each; they, and data that does not compress,
// can be sent as they are, as long as the Compressor never saw them.
//
// A Compressor is not safe for concurrent use. Once running it does not
// allocate, except when dst must grow.
type Compressor struct {
	level    int // flate level, or HuffmanOnly
	window   int // bytes of window; 32 KiB or less
	takeover bool

	// primed: context takeover with a window under 32 KiB. The writer is
	// pooled as without takeover, and each message primes it with hist,
	// the last window bytes of what this Compressor compressed before.
	primed bool
	hist   []byte

	w   *flate.Writer // nil between messages without takeover
	out appendWriter
	err error
}

// appendWriter is the io.Writer the flate writer writes to: it appends to
// the caller's dst.
type appendWriter struct{ b []byte }

func (a *appendWriter) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// Pools of flate writers for compressors without context takeover: one
// per level for 15-bit windows, one per window size for smaller ones; and
// per window size for primed compressors, whose writers keep a reference
// to the history they were last primed with and so are reset only with
// ResetDict.
var (
	levelPools  [12]sync.Pool // level+2
	windowPools [16]sync.Pool // window bits
	primedPools [16]sync.Pool // window bits
)

// NewCompressor returns a Compressor for this endpoint's role, at a
// compression level from HuffmanOnly, 1 (BestSpeed) to 9
// (BestCompression), or DefaultLevel. A server compresses with the
// server's context takeover and window bits from p, a client with the
// client's.
//
// klauspost/compress compresses with a smaller window than 32 KiB only at
// one level, similar to 5: when p limits this endpoint's window below 15
// bits, the Compressor uses it, whatever level says, except HuffmanOnly.
// It panics if level is not one of those values.
func NewCompressor(p Params, role codec.Role, level int) *Compressor {
	bits, noTakeover := p.ServerMaxWindowBits, p.ServerNoContextTakeover
	if role == codec.RoleClient {
		bits, noTakeover = p.ClientMaxWindowBits, p.ClientNoContextTakeover
	}
	if level == DefaultLevel {
		level = BestSpeed
	}
	if level != HuffmanOnly && (level < 1 || level > 9) {
		panic("deflate: invalid compression level")
	}
	c := &Compressor{level: level, window: 1 << windowBits(bits), takeover: !noTakeover}
	if level == HuffmanOnly {
		// It makes no matches, so any window is honoured, and there is
		// no history to keep between messages.
		c.window, c.takeover = 1<<15, false
	}
	c.primed = c.takeover && c.window < 1<<15
	return c
}

// Reset makes c ready for a new connection: it forgets the history and
// any error.
func (c *Compressor) Reset() {
	if c.w != nil {
		if c.takeover && !c.primed {
			c.w.Reset(&c.out)
		} else {
			c.put()
		}
	}
	c.hist = c.hist[:0]
	c.err = nil
}

// AppendMessage compresses a whole message: it appends the compressed
// payload of payload to dst and returns the extended buffer.
func (c *Compressor) AppendMessage(dst, payload []byte) ([]byte, error) {
	return c.AppendChunk(dst, payload, true)
}

// AppendChunk compresses the next part of a message, for messages sent in
// fragments as they are produced: it appends the compressed bytes that are
// ready to dst, which may be none until the compressor has gathered a
// block, and returns the extended buffer. The call with last set ends the
// message: it flushes everything and removes the 00 00 ff ff tail. Each
// call's output can go out as one frame (the first with RSV1 set, the
// others as continuation frames), or be gathered.
//
// The error is never set in practice: it would come from the flate
// writer, which here writes to memory only.
func (c *Compressor) AppendChunk(dst, p []byte, last bool) ([]byte, error) {
	if c.err != nil {
		return dst, c.err
	}
	if c.w == nil {
		c.w = c.get()
	}
	c.out.b = dst
	var err error
	if len(p) > 0 {
		_, err = c.w.Write(p)
		if c.primed {
			c.remember(p)
		}
	}
	if err == nil && last {
		err = c.w.Flush()
	}
	dst, c.out.b = c.out.b, nil
	if err == nil && last && !bytes.HasSuffix(dst, tail[:]) {
		err = errCompressorInternal
	}
	if err != nil {
		c.err = err
		return dst, err
	}
	if last {
		dst = dst[:len(dst)-len(tail)]
		if !c.takeover || c.primed {
			c.put()
		}
	}
	return dst, nil
}

// remember keeps the last c.window bytes of what was compressed, with p
// at the end: the history the next message is primed with.
func (c *Compressor) remember(p []byte) {
	if c.hist == nil {
		c.hist = make([]byte, 0, c.window)
	}
	if len(p) >= c.window {
		c.hist = append(c.hist[:0], p[len(p)-c.window:]...)
		return
	}
	if drop := len(c.hist) + len(p) - c.window; drop > 0 {
		c.hist = c.hist[:copy(c.hist, c.hist[drop:])]
	}
	c.hist = append(c.hist, p...)
}

func (c *Compressor) pool() *sync.Pool {
	if c.primed {
		return &primedPools[windowBitsOf(c.window)]
	}
	if c.window < 1<<15 {
		return &windowPools[windowBitsOf(c.window)]
	}
	return &levelPools[c.level+2]
}

func (c *Compressor) get() *flate.Writer {
	if c.primed {
		w, ok := c.pool().Get().(*flate.Writer)
		if !ok {
			var err error
			if w, err = flate.NewWriterWindow(&c.out, c.window); err != nil {
				panic("deflate: " + err.Error()) // the window was checked
			}
		}
		// The writer copies the history into its own window here. It
		// also keeps a reference, which only Reset reads, and a primed
		// writer is never Reset, so hist may change from now on.
		w.ResetDict(&c.out, c.hist)
		return w
	}
	if !c.takeover {
		if w, ok := c.pool().Get().(*flate.Writer); ok {
			w.Reset(&c.out)
			return w
		}
	}
	var w *flate.Writer
	var err error
	if c.window < 1<<15 {
		w, err = flate.NewWriterWindow(&c.out, c.window)
	} else {
		level := c.level
		if level == HuffmanOnly {
			level = flate.ConstantCompression
		}
		w, err = flate.NewWriter(&c.out, level)
	}
	if err != nil {
		panic("deflate: " + err.Error()) // the level and window were checked
	}
	return w
}

func (c *Compressor) put() {
	c.pool().Put(c.w)
	c.w = nil
}

func windowBitsOf(size int) int {
	b := 0
	for 1<<b < size {
		b++
	}
	return b
}
