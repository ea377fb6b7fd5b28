// Command gobwas is an echo server built on github.com/gobwas/ws (version
// pinned in bench/peers/go.mod) for the peer sweep.
//
// It uses the library's low-level API the way its README's "lower-level
// example without wsutil" does, with the buffer reuse the README names as
// the point of that API: ws.UpgradeHTTP, then per frame
// ws.ReadHeaderBuffer (ws.ReadHeader without its allocation), ws.CheckHeader,
// the payload read into a buffer kept per connection, ws.Cipher to unmask,
// and ws.WriteHeaderBuffer plus the payload through a 16 KiB bufio.Writer
// flushed once nothing more has arrived. Frames are echoed one by one, so a
// fragmented message comes back fragmented the same way. One goroutine per
// connection; there is no compression.
package main

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/gobwas/ws"
	"github.com/wsframe/wsframe/bench/peers/servers/internal/peerserver"
)

func echo(w http.ResponseWriter, r *http.Request) {
	conn, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return // UpgradeHTTP has answered with an HTTP error
	}
	// Bytes that arrived with the request are in net/http's reader; the
	// load generator waits for the 101, so this is the rare path.
	var rd io.Reader = conn
	if rw.Reader.Buffered() > 0 {
		rd = io.MultiReader(io.LimitReader(rw.Reader, int64(rw.Reader.Buffered())), conn)
	}
	go serve(conn, bufio.NewReaderSize(rd, peerserver.BufferSize))
}

func serve(conn net.Conn, br *bufio.Reader) {
	defer conn.Close()
	bw := bufio.NewWriterSize(conn, peerserver.BufferSize)
	var (
		rhdr  [ws.MaxHeaderSize]byte
		whdr  [ws.MaxHeaderSize]byte
		buf   = make([]byte, peerserver.BufferSize)
		state = ws.StateServerSide
	)
	write := func(h ws.Header, p []byte) error {
		if err := ws.WriteHeaderBuffer(bw, h, whdr[:]); err != nil {
			return err
		}
		_, err := bw.Write(p)
		return err
	}
	closeWith := func(code ws.StatusCode) {
		body := ws.NewCloseFrameBody(code, "")
		write(ws.Header{Fin: true, OpCode: ws.OpClose, Length: int64(len(body))}, body)
		bw.Flush()
	}
	for {
		h, err := ws.ReadHeaderBuffer(br, rhdr[:])
		if err != nil {
			return
		}
		if err := ws.CheckHeader(h, state); err != nil {
			closeWith(ws.StatusProtocolError)
			return
		}
		if h.Length > peerserver.MaxMessage {
			closeWith(ws.StatusMessageTooBig)
			return
		}
		if int64(cap(buf)) < h.Length {
			buf = make([]byte, h.Length)
		}
		p := buf[:h.Length]
		if _, err := io.ReadFull(br, p); err != nil {
			return
		}
		ws.Cipher(p, h.Mask, 0)
		h.Masked = false // server frames are not masked (RFC 6455 §5.1)
		switch h.OpCode {
		case ws.OpPing:
			h.OpCode = ws.OpPong
			err = write(h, p)
		case ws.OpPong:
		case ws.OpClose:
			code, _ := ws.ParseCloseFrameData(p)
			if len(p) < 2 {
				write(ws.Header{Fin: true, OpCode: ws.OpClose}, nil)
			} else {
				closeWith(code)
			}
			bw.Flush()
			return
		default: // text, binary or continuation: echo the frame as it came
			if h.Fin {
				state = state.Clear(ws.StateFragmented)
			} else {
				state = state.Set(ws.StateFragmented)
			}
			err = write(h, p)
			if h.Fin {
				peerserver.Echoed()
			}
		}
		if err == nil && br.Buffered() == 0 {
			err = bw.Flush()
		}
		if err != nil {
			return
		}
	}
}

func main() { peerserver.Main("127.0.0.1:9102", echo) }
