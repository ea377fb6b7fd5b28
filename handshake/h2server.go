package handshake

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wsframe/wsframe/internal/godebug"
)

// Errors a server finds in an HTTP/2 extended CONNECT (RFC 8441 §4-5).
var (
	ErrConnectMethod   = badRequest("HTTP/2 WebSocket request is not a CONNECT")
	ErrConnectProtocol = badRequest(":protocol of the CONNECT is not websocket")
)

// http2Enabled is read at start-up, as net/http reads it (see
// HTTP2Enabled).
var http2Enabled = godebug.HasHTTP2(os.Getenv("GODEBUG"))

// HTTP2Enabled reports whether this process's net/http servers accept
// WebSockets over HTTP/2 (RFC 8441): whether they advertise
// SETTINGS_ENABLE_CONNECT_PROTOCOL, which makes browsers open WebSockets
// as streams of a page's HTTP/2 connection.
//
// Go 1.26's net/http sends that setting only when the process starts
// with GODEBUG=http2xconnect=1 in its environment. It reads the variable
// once, when the program starts, so neither os.Setenv nor a //go:debug
// line turns it on: the server must be started with http2xconnect=1 in
// GODEBUG (with other settings, comma-separated). Without it, clients use HTTP/1.1 and [Upgrade] serves them as before.
// The setting is also what [Upgrade] needs to see a CONNECT: net/http
// refuses one with :protocol when it is off.
func HTTP2Enabled() bool { return http2Enabled }

// upgradeHTTP2 is [Upgrade] for a request on an HTTP/2 connection: an
// extended CONNECT with :protocol websocket (RFC 8441 §4). It checks what
// §5 keeps of RFC 6455's request (version 13, origin, the lists), answers
// 200 with the chosen subprotocol and extensions, and returns the
// request's stream as the connection. There is no key and no
// Sec-WebSocket-Accept: the :protocol pseudo-header, which only a client
// that knows RFC 8441 sends, does their job.
func upgradeHTTP2(w http.ResponseWriter, r *http.Request, opts *Options) (net.Conn, *bufio.ReadWriter, error) {
	err := checkHTTP2Request(r)
	if err == nil {
		err = opts.checkOrigin(r)
	}
	if err != nil {
		rejectHTTP(w, err.(*Error), true)
		return nil, nil, err
	}
	h := w.Header()
	for name, values := range opts.Header {
		h[name] = append(h[name], values...)
	}
	if p := SelectProtocol(r.Header.Values("Sec-WebSocket-Protocol"), opts.Protocols); p != "" {
		h.Set("Sec-WebSocket-Protocol", p)
	}
	if opts.Extensions != nil {
		if offer := r.Header.Values("Sec-WebSocket-Extensions"); len(offer) > 0 {
			if e := opts.Extensions(offer); e != "" {
				h.Set("Sec-WebSocket-Extensions", e)
			}
		}
	}
	rc := http.NewResponseController(w)
	// net/http gives each stream the server's ReadTimeout and
	// WriteTimeout, as it gives a request; the WebSocket lives by its
	// own, as Upgrade's HTTP/1.1 connections do.
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return nil, nil, err
	}
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	s, farIn, farOut := newStream(local, streamAddr(r.RemoteAddr))
	go pumpIn(farIn, r.Body)
	sent := make(chan struct{})
	go pumpOut(w, rc, farOut, sent)
	s.end = func() { endServerStream(rc, sent) }
	// Nothing of the peer's is buffered yet: bufio's smallest buffers
	// keep the signature of the HTTP/1.1 path at little cost.
	return s, bufio.NewReadWriter(bufio.NewReaderSize(s, 16), bufio.NewWriterSize(s, 16)), nil
}

// checkHTTP2Request applies RFC 8441 §4-5 to a request that came over
// HTTP/2. net/http has already checked the pseudo-headers' form (a
// CONNECT with :protocol has :scheme, :path and :authority), and refused
// connection-specific fields such as Upgrade and Connection.
func checkHTTP2Request(r *http.Request) error {
	versions := r.Header.Values("Sec-WebSocket-Version")
	switch {
	case r.Method != http.MethodConnect:
		return ErrConnectMethod
	case !strings.EqualFold(r.Header.Get(":protocol"), "websocket"):
		return ErrConnectProtocol
	case r.Host == "":
		return ErrNoHost
	case len(r.Header.Values("Origin")) > 1:
		return ErrDuplicateOrigin
	case len(versions) > 1:
		return ErrDuplicateVer
	case len(versions) == 0 || versions[0] != "13":
		return ErrVersion
	}
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		if !checkProtocols([]byte(v)) {
			return ErrBadProtocols
		}
	}
	return nil
}

// pumpOut sends what is written to the stream, read from the far end of
// its out pipe, as the response body, flushing each piece at once since
// the peer waits for it. It closes sent when it stops: the pipe was
// closed, or the stream failed.
func pumpOut(w io.Writer, rc *http.ResponseController, farOut net.Conn, sent chan<- struct{}) {
	defer close(sent)
	// net/http panics on a write after the handler returned, which a
	// handler that did not wait for the connection to close allows.
	defer func() { recover() }()
	defer farOut.Close()
	buf := make([]byte, streamBufSize)
	for {
		n, err := farOut.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// streamLinger bounds how long closing a server's stream waits for the
// last bytes written to be handed to HTTP/2, when the peer's flow control
// window holds them back.
const streamLinger = time.Second

// endServerStream waits for pumpOut to stop, and makes it stop by
// resetting the stream when the peer does not take the rest in time. The
// handler then ends the stream by returning.
func endServerStream(rc *http.ResponseController, sent <-chan struct{}) {
	if waitLinger(sent) {
		return
	}
	func() {
		defer func() { recover() }() // the handler may have returned
		rc.SetWriteDeadline(time.Unix(1, 0))
	}()
	<-sent
}

// waitLinger waits for c to be closed, at most streamLinger, and reports
// whether it was: for the last bytes of a stream, on either side.
func waitLinger(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
	}
	t := time.NewTimer(streamLinger)
	defer t.Stop()
	select {
	case <-c:
		return true
	case <-t.C:
		return false
	}
}
