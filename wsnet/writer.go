package wsnet

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// DefaultFragmentSize is how many payload bytes a message written through
// [Writer.NextWriter] collects before it sends a frame.
const DefaultFragmentSize = 32 << 10

// copyMax is the payload size up to which a server's Writer copies the
// payload behind the header and writes once; above it, header and payload
// go out in one writev without a copy. Clients always copy, to mask.
const copyMax = 2 << 10

// maskChunk is how much of a client's payload is masked and written at a
// time, so that the Writer's buffer does not grow with the message.
const maskChunk = 64 << 10

// writeChunk is how much of a server's large payload one write takes, so
// that a write timeout can count progress between chunks.
const writeChunk = 256 << 10

// MessageCompressor compresses messages for a [Writer];
// *deflate.Compressor implements it. AppendChunk appends to dst the
// compressed bytes of p, the next part of a message, that are ready;
// last ends the message, and the bytes appended by all calls for a
// message form its compressed payload (RFC 7692 §7.2.1: without the
// 00 00 ff ff tail).
type MessageCompressor interface {
	AppendChunk(dst, p []byte, last bool) ([]byte, error)
}

// errMessageClosed is returned by a NextWriter message written to or
// closed after its Close.
var errMessageClosed = errors.New("wsnet: message already closed")

// Writer writes messages and control frames to an io.Writer, normally a
// net.Conn. It is safe for concurrent use.
//
// Each data message goes out whole: WriteMessage, and a message from
// NextWriter until its Close, hold the write side, and other writers of
// data wait for it in turn. Control frames (WritePing, WritePong,
// WriteClose, and a [Reader]'s replies) wait only for the frame being
// written, so they land between the frames of a long message, as RFC 6455
// §5.4 allows. After a write fails, every method returns that error,
// except when the failure is a deadline passing (the error's Timeout
// method reports true): the caller may then extend the deadline and
// write on. A frame the deadline interrupted is then finished first,
// before any other frame, so the peer never sees a torn frame; the
// interrupted call reported the timeout, but its message goes out whole.
// (A message that had not begun, when not compressed, is not sent.)
type Writer struct {
	// Compress, when set, compresses data messages of CompressMin bytes
	// and more ([deflate.MinSize] when 0) and sends them with RSV1 set on
	// their first frame, as permessage-deflate does (RFC 7692 §6.1): a
	// *deflate.Compressor (package github.com/wsframe/wsframe/deflate)
	// made for the parameters the handshake agreed on. Shorter messages go
	// out uncompressed, which the extension allows. Set both before the
	// first write.
	Compress    MessageCompressor
	CompressMin int

	// BeforeWrite, when set, is called before each control frame and
	// between the chunks of a long data frame (64 KiB masked, 256 KiB
	// unmasked), with the frame lock held: a connection uses it to keep a
	// write timeout ahead of writes, pushing it back while the peer keeps
	// reading.
	BeforeWrite func()

	// msgMu is held by the message being written; see acquire.
	msgMu    sync.Mutex
	waiting  atomic.Int32  // writers waiting with a context that can end
	released chan struct{} // signals them a release

	mu        sync.Mutex // held while a frame, or a whole message, is written
	streaming bool       // a message from NextWriter is open
	dst       io.Writer
	enc       codec.Encoder
	buf       []byte
	iov       [2][]byte
	bufs      net.Buffers
	err       error
	zbuf      []byte // a compressed message or fragment

	pending []byte // the rest of a frame a deadline interrupted

	mw messageWriter
}

// NewWriter returns a Writer that writes frames for role to dst: a
// client's frames are masked (§5.1).
func NewWriter(dst io.Writer, role codec.Role) *Writer {
	w := &Writer{dst: dst, buf: make([]byte, 0, 4096), released: make(chan struct{}, 1)}
	w.enc.Role = role
	w.mw.w = w
	return w
}

// WriteMessage writes p as one message of type op (OpText or OpBinary) in
// one frame. A server's header and a large payload go out in one writev,
// without copying the payload.
func (w *Writer) WriteMessage(op codec.Opcode, p []byte) error {
	if op != codec.OpText && op != codec.OpBinary {
		return codec.ErrNotDataOpcode
	}
	w.lockWhole(context.Background())
	defer w.mu.Unlock()
	return w.writeMessage(op, p)
}

// lockWhole takes the frame lock for writing a whole message, after the
// streamed message being written, if any, has closed; it waits for that
// at most until ctx ends. A whole message goes out under the frame lock
// alone, so that it costs one lock, not two: a streamed message sets
// streaming under that lock while it is open, and whole messages wait
// for it in msgMu.
func (w *Writer) lockWhole(ctx context.Context) error {
	lockYielding(&w.mu)
	if !w.streaming {
		return nil
	}
	w.mu.Unlock()
	if err := w.acquire(ctx); err != nil {
		return err
	}
	// Holding msgMu, no message streams; holding mu, none can start.
	w.mu.Lock()
	w.release()
	return nil
}

// lockYielding locks mu, yielding the processor a few times before it
// waits in the mutex. Writers of one connection hold its lock for a
// frame's copy and write, less than a scheduling round: a writer that
// yields usually finds it free, while one that parks is woken only to
// lose it to the running writer, which soon turns the mutex to its
// starvation mode, where every release costs a context switch (measured
// with 8 writers on 2 CPUs: 300 to 400 ns a message, against 180).
func lockYielding(mu *sync.Mutex) {
	for range 3 {
		if mu.TryLock() {
			return
		}
		runtime.Gosched()
	}
	mu.Lock()
}

// writeMessage writes one message while the caller holds w.mu from
// lockWhole.
func (w *Writer) writeMessage(op codec.Opcode, p []byte) error {
	h := codec.Header{Fin: true, Opcode: op}
	if w.compresses(len(p)) {
		if w.err == nil && !w.enc.CloseSent() {
			z, err := w.Compress.AppendChunk(w.zbuf[:0], p, true)
			w.zbuf = z
			if err != nil {
				return err
			}
			h.Rsv, p = codec.Rsv1, z
		}
	}
	h.Length = int64(len(p))
	return w.writeFrame(h, p, h.Rsv != 0)
}

// compresses reports whether a message of n bytes is to be compressed.
func (w *Writer) compresses(n int) bool {
	limit := w.CompressMin
	if limit <= 0 {
		limit = deflate.MinSize
	}
	return w.Compress != nil && n >= limit
}

// writeFrame writes one data frame; w.mu is held. A committed frame, whose
// payload a compressor has taken into its state, is kept whole when the
// deadline passes before it begins: the peer's inflater must see it.
func (w *Writer) writeFrame(h codec.Header, p []byte, committed bool) error {
	err := w.ready()
	if err == nil && w.enc.CloseSent() {
		return codec.ErrCloseSent
	}
	if err != nil && (!committed || w.err != nil) {
		return err
	}
	w.enc.PrepareHeader(&h)
	w.buf = codec.AppendHeader(w.buf[:0], h)
	if err != nil {
		// The deadline stopped the rest of an earlier frame: this one
		// waits behind it.
		pos := -1
		if h.Masked {
			pos = 0
		}
		w.keep(w.buf, p, h.Key, pos)
		return err
	}
	switch {
	case h.Masked:
		pos, started := 0, false
		for {
			chunk := p[:min(len(p), maskChunk)]
			p = p[len(chunk):]
			n := len(w.buf)
			w.buf = append(w.buf, chunk...)
			pos = codec.MaskCopy(w.buf[n:], chunk, h.Key, pos)
			k, err := w.dst.Write(w.buf)
			if err != nil {
				if started || k > 0 || committed {
					w.keep(w.buf[k:], p, h.Key, pos)
				}
				return w.failed(err)
			}
			if len(p) == 0 {
				return nil
			}
			w.buf, started = w.buf[:0], true
			w.beforeWrite()
		}
	case len(p) <= copyMax:
		w.buf = append(w.buf, p...)
		return w.write(w.buf, committed)
	default:
		// The header and the first chunk in one writev, then the rest a
		// chunk at a time, so that BeforeWrite runs between chunks.
		first := p[:min(len(p), writeChunk)]
		w.iov = [2][]byte{w.buf, first}
		w.bufs = w.iov[:]
		n, err := w.bufs.WriteTo(w.dst)
		w.iov = [2][]byte{}
		if err != nil && (n > 0 || committed) {
			if hl := int64(len(w.buf)); n < hl {
				w.keep(w.buf[n:], p, [4]byte{}, -1)
			} else {
				w.keep(nil, p[n-hl:], [4]byte{}, -1)
			}
		}
		for p = p[len(first):]; err == nil && len(p) > 0; p = p[min(len(p), writeChunk):] {
			w.beforeWrite()
			var k int
			if k, err = w.dst.Write(p[:min(len(p), writeChunk)]); err != nil {
				w.keep(nil, p[k:], [4]byte{}, -1)
			}
		}
		return w.failed(err)
	}
}

// beforeWrite calls BeforeWrite, if set.
func (w *Writer) beforeWrite() {
	if w.BeforeWrite != nil {
		w.BeforeWrite()
	}
}

// write writes b, a whole frame, which is kept when it is committed or
// begun and a deadline stops it.
func (w *Writer) write(b []byte, committed bool) error {
	n, err := w.dst.Write(b)
	if err != nil && (n > 0 || committed) {
		w.keep(b[n:], nil, [4]byte{}, -1)
	}
	return w.failed(err)
}

// keep holds the unsent rest of a frame that a deadline interrupted, or a
// committed frame queued behind one: framed, already framed bytes, then
// rest, still to be masked with key from mask position pos (pos < 0: not
// masked). They go out before any new frame, so that the peer sees whole
// frames once writing resumes.
func (w *Writer) keep(framed, rest []byte, key [4]byte, pos int) {
	w.pending = append(w.pending, framed...)
	n := len(w.pending)
	w.pending = append(w.pending, rest...)
	if pos >= 0 {
		codec.MaskCopy(w.pending[n:], rest, key, pos)
	}
}

// failed returns err, recording it for good unless it is a deadline
// passing: the rest of an interrupted frame is then kept, and writing may
// resume.
func (w *Writer) failed(err error) error {
	if err != nil && !isTimeout(err) {
		w.err = err
	}
	return err
}

// ready returns the error that stopped the Writer, if any, or sends what
// is left of an interrupted frame; w.mu is held.
func (w *Writer) ready() error {
	if w.err != nil {
		return w.err
	}
	if len(w.pending) == 0 {
		return nil
	}
	n, err := w.dst.Write(w.pending)
	w.pending = w.pending[:copy(w.pending, w.pending[n:])]
	return w.failed(err)
}

// WritePing writes a ping frame with payload (at most 125 bytes).
func (w *Writer) WritePing(payload []byte) error { return w.control(codec.OpPing, payload) }

// WritePong writes a pong frame with payload (at most 125 bytes).
func (w *Writer) WritePong(payload []byte) error { return w.control(codec.OpPong, payload) }

func (w *Writer) control(op codec.Opcode, payload []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.controlLocked(op, payload)
}

func (w *Writer) controlLocked(op codec.Opcode, payload []byte) error {
	w.beforeWrite()
	if err := w.ready(); err != nil {
		return err
	}
	b, err := w.enc.AppendFrame(w.buf[:0], op, 0, true, payload)
	if err != nil {
		return err
	}
	w.buf = b
	return w.write(b, false)
}

// WriteClose writes a close frame with code and reason and starts the
// closing handshake (§7.1.2): no frame may follow it, and the caller
// should read until the peer's close frame arrives ([Reader] then returns
// a *[ClosedError]) or a timeout passes, then close the connection. Codes
// that may not be sent and reasons over 123 bytes are refused.
func (w *Writer) WriteClose(code codec.CloseCode, reason string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.beforeWrite()
	if err := w.ready(); err != nil {
		return err
	}
	b, err := w.enc.AppendClose(w.buf[:0], code, reason)
	if err != nil {
		return err
	}
	w.buf = b
	return w.write(b, false)
}

// CloseSent reports whether a close frame has been written.
func (w *Writer) CloseSent() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.enc.CloseSent()
}

// NextWriter starts a message of type op (OpText or OpBinary) whose
// payload is written through the returned io.WriteCloser: it sends a frame
// each time it holds DefaultFragmentSize bytes, and the last frame on
// Close. The message is complete only after Close. A message shorter than
// the fragment size goes out as one frame. The returned writer is valid
// until Close.
//
// With Compress set, a message that reaches CompressMin bytes is
// compressed as it is written: each frame carries what the compressor has
// ready of the fragments written so far (frames with nothing ready are
// not sent), and Close flushes the rest.
func (w *Writer) NextWriter(op codec.Opcode) (io.WriteCloser, error) {
	if op != codec.OpText && op != codec.OpBinary {
		return nil, codec.ErrNotDataOpcode
	}
	w.msgMu.Lock()
	return w.nextWriter(op)
}

// nextWriter starts a message while the caller holds w.msgMu, which the
// message's Close, or an error here, gives back.
func (w *Writer) nextWriter(op codec.Opcode) (io.WriteCloser, error) {
	w.mu.Lock()
	err := w.err
	if err == nil && w.enc.CloseSent() {
		err = codec.ErrCloseSent
	}
	w.streaming = err == nil
	w.mu.Unlock()
	if err != nil {
		w.release()
		return nil, err
	}
	m := &w.mw
	m.op, m.open = op, true
	m.pending = m.pending[:0]
	m.written, m.compress = 0, false
	return m, nil
}

// acquire takes the write side for a message, waiting for the message
// being written, if any, at most until ctx ends. A context that cannot
// end waits in the mutex itself, which hands the lock over fairly under
// contention; one that can end waits for a release signal instead, since
// a mutex cannot be given up on.
func (w *Writer) acquire(ctx context.Context) error {
	if w.msgMu.TryLock() {
		return nil
	}
	if ctx.Done() == nil {
		w.msgMu.Lock()
		return nil
	}
	w.waiting.Add(1)
	defer w.waiting.Add(-1)
	for {
		if w.msgMu.TryLock() {
			return nil
		}
		select {
		case <-w.released:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release gives back the write side, waking a writer that waits with a
// context. The waiter counted itself before trying the lock, so a release
// after its failed try sees it.
func (w *Writer) release() {
	w.msgMu.Unlock()
	if w.waiting.Load() > 0 {
		select {
		case w.released <- struct{}{}:
		default:
		}
	}
}

// messageWriter is the io.WriteCloser of NextWriter. It belongs to the
// goroutine holding the write side, so it needs no lock of its own.
type messageWriter struct {
	w        *Writer
	open     bool         // between NextWriter and Close
	op       codec.Opcode // of the next frame: the message's type, then codec.OpContinuation
	pending  []byte
	written  int  // plain bytes sent or compressed so far
	compress bool // the message is being compressed
}

func (m *messageWriter) Write(p []byte) (int, error) {
	if !m.open {
		return 0, errMessageClosed
	}
	n := len(p)
	for len(m.pending)+len(p) > DefaultFragmentSize {
		if len(m.pending) == 0 {
			// Send whole fragments straight from p.
			err := m.frame(p[:DefaultFragmentSize], false)
			p = p[DefaultFragmentSize:]
			if err != nil {
				return n - len(p), err
			}
			continue
		}
		k := DefaultFragmentSize - len(m.pending)
		m.pending = append(m.pending, p[:k]...)
		p = p[k:]
		err := m.frame(m.pending, false)
		m.pending = m.pending[:0]
		if err != nil {
			return n - len(p), err
		}
	}
	m.pending = append(m.pending, p...)
	return n, nil
}

// Close sends the message's last frame and gives back the write side.
func (m *messageWriter) Close() error {
	if !m.open {
		return errMessageClosed
	}
	err := m.frame(m.pending, true)
	m.pending = m.pending[:0]
	m.open = false
	m.w.mu.Lock()
	m.w.streaming = false
	m.w.mu.Unlock()
	m.w.release()
	return err
}

func (m *messageWriter) frame(p []byte, fin bool) error {
	w := m.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if m.written == 0 {
		// The first frame decides: a message that ends below
		// CompressMin goes out plain.
		m.compress = w.compresses(len(p)) || !fin && w.Compress != nil
	}
	m.written += len(p)
	h := codec.Header{Fin: fin, Opcode: m.op}
	if m.compress {
		if w.err != nil {
			return w.err
		}
		if w.enc.CloseSent() {
			return codec.ErrCloseSent
		}
		z, err := w.Compress.AppendChunk(w.zbuf[:0], p, fin)
		w.zbuf = z
		if err != nil {
			return err
		}
		if len(z) == 0 && !fin {
			return nil // nothing ready yet
		}
		if m.op != codec.OpContinuation {
			h.Rsv = codec.Rsv1
		}
		p = z
	}
	h.Length = int64(len(p))
	// Every frame of a streamed message is committed: its bytes count as
	// written, and the frames that follow continue it.
	err := w.writeFrame(h, p, true)
	m.op = codec.OpContinuation
	return err
}

// broken reports whether a write failed in a way that ends the stream.
func (w *Writer) broken() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err != nil
}

// writePrepared writes a prepared message's form f while the caller holds
// w.mu from lockWhole: a server's frame as it is, a client's payload
// framed and masked.
func (w *Writer) writePrepared(op codec.Opcode, f *preparedForm) error {
	if f.key.role == codec.RoleClient {
		return w.writeFrame(codec.Header{Fin: true, Rsv: f.rsv, Opcode: op, Length: int64(len(f.data))}, f.data, false)
	}
	if err := w.ready(); err != nil {
		return err
	}
	if w.enc.CloseSent() {
		return codec.ErrCloseSent
	}
	return w.write(f.data, false)
}
