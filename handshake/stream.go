package handshake

import (
	"io"
	"net"
	"sync"
	"time"
)

// stream is the connection of a WebSocket over HTTP/2 (RFC 8441): one
// HTTP/2 stream whose DATA frames carry the WebSocket's bytes both ways.
// It is a net.Conn made of two net.Pipes, one per direction, which pumps
// join to the HTTP/2 request or response body. The pipes give it what
// the message layer relies on from TCP: a deadline interrupts a Read or
// a Write without harming the stream, and the next call goes on where
// the last stopped (net/http's own stream deadlines reset the stream
// instead); and each direction ends by itself, as END_STREAM ends one
// side of an HTTP/2 stream like a FIN (RFC 8441 §4), so the closing
// handshake can still answer after the peer stopped sending.
type stream struct {
	in  net.Conn // what the peer sent: a pump writes the pipe's other end
	out net.Conn // what we send: the other end feeds the HTTP/2 stream

	local, remote net.Addr

	// end finishes the HTTP/2 stream once both pipes are closed: it
	// waits for the bytes written to be handed to HTTP/2, bounded, and
	// resets the stream when they cannot be.
	end  func()
	once sync.Once
}

// streamBufSize is the buffer of a pump: the default largest HTTP/2
// frame (RFC 9113 §4.2), so that one read fills one DATA frame.
const streamBufSize = 16 << 10

// newStream returns a stream and the far ends of its pipes: the pump
// from the peer writes farIn, and what is written to the stream is read
// from farOut.
func newStream(local, remote net.Addr) (s *stream, farIn, farOut net.Conn) {
	s = &stream{local: local, remote: remote}
	s.in, farIn = net.Pipe()
	s.out, farOut = net.Pipe()
	return s, farIn, farOut
}

func (s *stream) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s *stream) Write(p []byte) (int, error) { return s.out.Write(p) }

// Close closes both directions and ends the HTTP/2 stream. It returns
// once what was written has been handed to HTTP/2 or given up on, so a
// handler may return as soon as it has closed the connection.
func (s *stream) Close() error {
	err := net.ErrClosed
	s.once.Do(func() {
		s.in.Close()
		s.out.Close()
		if s.end != nil {
			s.end()
		}
		err = nil
	})
	return err
}

func (s *stream) LocalAddr() net.Addr  { return s.local }
func (s *stream) RemoteAddr() net.Addr { return s.remote }

func (s *stream) SetDeadline(t time.Time) error {
	s.in.SetReadDeadline(t)
	return s.out.SetWriteDeadline(t)
}
func (s *stream) SetReadDeadline(t time.Time) error  { return s.in.SetReadDeadline(t) }
func (s *stream) SetWriteDeadline(t time.Time) error { return s.out.SetWriteDeadline(t) }

// pumpIn copies what the peer sends, from body, into the far end of the
// stream's in pipe until either ends. The peer's END_STREAM (io.EOF), or
// a reset, closes the pipe, and the stream's reads then return io.EOF.
func pumpIn(farIn net.Conn, body io.Reader) {
	defer farIn.Close()
	buf := make([]byte, streamBufSize)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := farIn.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// streamAddr is the address of one end of an HTTP/2 stream when all
// that is known of it is net/http's string form.
type streamAddr string

func (a streamAddr) Network() string { return "tcp" }
func (a streamAddr) String() string  { return string(a) }
