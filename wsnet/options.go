package wsnet

import (
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// The defaults of Options and ServerOptions, the same as those of
// `wsbench serve`.
const (
	// DefaultCloseTimeout is how long [Conn.Close] waits for the peer's
	// close frame.
	DefaultCloseTimeout = 5 * time.Second
	// DefaultWriteTimeout is how long a write may wait for a peer that
	// takes nothing.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultHandshakeTimeout bounds [Accept]'s opening handshake.
	DefaultHandshakeTimeout = 10 * time.Second
)

// Options configure a [Conn], on either side. The zero value works: no
// keepalive, the decoder's default message limit, and a closing handshake
// that waits DefaultCloseTimeout.
type Options struct {
	// MaxMessage is the largest message accepted, in bytes;
	// 0 means codec.DefaultMaxMessage (32 MiB). A larger message fails the
	// connection with 1009 (message too big). With compression it bounds
	// both the compressed and the inflated size.
	MaxMessage int64

	// ReadBufferSize is the size of the read buffer; 0 means
	// DefaultReadBufferSize. Messages may be far larger: they are read in
	// pieces.
	ReadBufferSize int

	// KeepaliveInterval, when positive, makes the connection send a ping
	// every interval. When no byte at all (pong, data or anything else)
	// arrives within KeepaliveTimeout of a ping, the peer is taken for
	// dead: the connection is closed and reads return an error wrapping
	// [ErrKeepaliveTimeout]. A dead peer is so detected within
	// KeepaliveInterval + KeepaliveTimeout of its last byte. The timeout
	// is at most the interval, and the interval when 0. Only a connection
	// that is being read sees the peer's bytes: keep a goroutine reading.
	KeepaliveInterval time.Duration
	KeepaliveTimeout  time.Duration

	// WriteTimeout bounds how long writing may wait on a peer that does
	// not read: when the socket takes nothing of a frame for that long,
	// the connection is closed and the write returns an error wrapping
	// [ErrWriteTimeout]. A peer that keeps reading, however slowly, keeps
	// pushing it back. 0 means DefaultWriteTimeout, a negative value no
	// limit; a deadline set with SetWriteDeadline or SetDeadline takes
	// its place until it is cleared.
	WriteTimeout time.Duration

	// CloseTimeout bounds how long [Conn.Close] waits for the peer's
	// close frame (and for a blocked writer to finish its frame) before it
	// closes the connection anyway; 0 means DefaultCloseTimeout.
	CloseTimeout time.Duration

	// CompressLevel is the level of deflate.NewCompressor when the
	// handshake agreed on permessage-deflate; 0 is deflate.DefaultLevel.
	// CompressMin is the smallest message compressed; 0 means
	// deflate.MinSize.
	CompressLevel int
	CompressMin   int
}

func (o *Options) closeTimeout() time.Duration {
	if o.CloseTimeout > 0 {
		return o.CloseTimeout
	}
	return DefaultCloseTimeout
}

func (o *Options) writeTimeout() time.Duration {
	switch {
	case o.WriteTimeout < 0:
		return 0
	case o.WriteTimeout == 0:
		return DefaultWriteTimeout
	}
	return o.WriteTimeout
}

func (o *Options) maxMessage() int64 {
	if o.MaxMessage > 0 {
		return o.MaxMessage
	}
	return codec.DefaultMaxMessage
}

// keepalive returns the interval and timeout, both zero when off.
func (o *Options) keepalive() (interval, timeout time.Duration) {
	if o.KeepaliveInterval <= 0 {
		return 0, 0
	}
	timeout = o.KeepaliveTimeout
	if timeout <= 0 || timeout > o.KeepaliveInterval {
		timeout = o.KeepaliveInterval
	}
	return o.KeepaliveInterval, timeout
}

// compression wires permessage-deflate with parameters p into r and w.
func (o *Options) compression(r *Reader, w *Writer, p deflate.Params, role codec.Role) {
	w.Compress = deflate.NewCompressor(p, role, o.CompressLevel)
	w.CompressMin = o.CompressMin
	r.Decompress = deflate.NewDecompressor(p, role, o.maxMessage())
}
