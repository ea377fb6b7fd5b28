package echo

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"log"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

//go:embed demo.html
var demoPage []byte

// seedReply is what the seed article's server answers.
var seedReply = []byte("Loud and clear!")

// Server is the echo server of `wsbench serve` and of the default run.
// Set its fields, then serve it with an engine: Listen here, or
// epoll.Listen.
type Server struct {
	maxMessage int64
	readBuf    int
	writeBuf   int
	logger     *log.Logger // nil: quiet
	// Deflate, when set, accepts permessage-deflate with these options;
	// nil declines it.
	Deflate *deflate.ServerOptions
	// Limits bound what clients can take; set them before serving.
	Limits Limits

	once   sync.Once
	lim    Limits // Limits with the defaults, from the first Lim call
	budget Budget
	events [numEvents]atomic.Int64

	mu      sync.Mutex
	conns   map[*serverConn]struct{}
	closing bool
	wg      sync.WaitGroup

	messages  atomic.Int64 // messages echoed
	bytes     atomic.Int64 // payload bytes echoed
	active    atomic.Int64 // open connections
	http2     atomic.Int64 // WebSockets opened over HTTP/2
	http2Open atomic.Int64 // WebSockets over HTTP/2 open now
}

// NewServer returns a server that accepts messages of up to maxMessage
// bytes, with read and write buffers of about the sizes given per
// connection, logging to logger unless it is nil.
func NewServer(maxMessage int64, readBuf, writeBuf int, logger *log.Logger) *Server {
	return &Server{
		maxMessage: maxMessage,
		readBuf:    max(readBuf, 4096+codec.MaxHeaderLen),
		writeBuf:   max(writeBuf, 4096),
		logger:     logger,
		conns:      map[*serverConn]struct{}{},
	}
}

// Logf logs through the server's logger, if it has one.
func (s *Server) Logf(format string, args ...any) {
	if s.logger != nil {
		s.logger.Printf(format, args...)
	}
}

// Lim returns the server's Limits with every default filled in. The
// first call fixes them: engines call it before they serve.
func (s *Server) Lim() *Limits {
	s.once.Do(func() {
		s.lim = s.Limits.withDefaults()
		s.budget.limit = s.lim.MaxBuffered
	})
	return &s.lim
}

// Budget returns the memory budget all connections share.
func (s *Server) Budget() *Budget {
	s.Lim()
	return &s.budget
}

// Opened and Closed count the connections an engine holds, handshake
// done or not, for Stats.
func (s *Server) Opened() { s.active.Add(1) }

// Closed counts a connection the engine let go; see Opened.
func (s *Server) Closed() { s.active.Add(-1) }

// Open starts the protocol side of a connection whose request head the
// engine parsed as req, with pre the bytes that came after the head, and
// appends the 101 reply to dst: for event loops, which do the HTTP side
// themselves. It accepts permessage-deflate as s.Deflate says. The
// connection borrows its buffers from lend.
func (s *Server) Open(dst []byte, req *handshake.Request, pre []byte, lend *Buffers) (*Conn, []byte) {
	c := newConn(s, string(req.Target) == "/seed", pre, lend)
	s.Logf("handshake: %s", req.Target)
	var ext string
	if s.Deflate != nil && req.Extensions.Len() > 0 {
		if p, resp, ok := deflate.NegotiateServerElements(req.Extensions.Elements, s.deflateOptions()); ok {
			c.useDeflate(p)
			ext = resp
		}
	}
	return c, handshake.AppendResponse(dst, req.Key, "", ext)
}

// isUpgrade reports whether r attempts a WebSocket handshake: it carries an
// Upgrade or a Sec-WebSocket-Key header, or it is a CONNECT over HTTP/2,
// which RFC 8441 makes the handshake. Such a request gets the handshake's
// checks and errors, not the demo page.
func isUpgrade(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" || r.Header.Get("Sec-WebSocket-Key") != "" ||
		r.ProtoMajor == 2 && r.Method == http.MethodConnect
}

// WantsWebSocket reports whether a raw request head carries an Upgrade
// or a Sec-WebSocket-Key header, as net/http's requests are checked: a
// head that does gets the handshake's errors, one that does not gets
// PlainResponse.
func WantsWebSocket(head []byte) bool {
	for _, line := range bytes.Split(head, []byte("\r\n"))[1:] {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if ok && (bytes.EqualFold(name, []byte("upgrade")) || bytes.EqualFold(name, []byte("sec-websocket-key"))) {
			return true
		}
	}
	return false
}

// PlainResponse answers a raw request head that is not a WebSocket
// handshake: the demo page, /stats, or 404, each closing the connection.
func (s *Server) PlainResponse(head []byte) []byte {
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	parts := bytes.Fields(line)
	status, ctype, body := "404 Not Found", "text/plain; charset=utf-8", []byte("404 page not found\n")
	switch {
	case len(parts) != 3:
		status, body = "400 Bad Request", []byte("malformed request line\n")
	case string(parts[0]) != "GET":
		status, body = "405 Method Not Allowed", []byte("only GET is served here\n")
	case string(parts[1]) == "/":
		status, ctype, body = "200 OK", "text/html; charset=utf-8", demoPage
	case string(parts[1]) == "/stats" || string(parts[1]) == "/stats?gc=1":
		status, ctype = "200 OK", "application/json"
		if string(parts[1]) == "/stats?gc=1" {
			runtime.GC() // what the heap holds, not what it has yet to sweep
		}
		body, _ = json.Marshal(s.Stats())
	}
	out := []byte("HTTP/1.1 " + status + "\r\nContent-Type: " + ctype + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n")
	return append(out, body...)
}

// Stats is what /stats reports.
type Stats struct {
	Messages int64 `json:"messages"`
	Bytes    int64 `json:"bytes"`
	// Conns counts open TCP connections, upgraded or not; several
	// WebSockets over HTTP/2 share one.
	Conns int `json:"conns"`
	// HTTP2 counts the WebSockets opened over HTTP/2 (RFC 8441), and
	// HTTP2Open those open now (the goroutine engine with TLS only).
	HTTP2     int64  `json:"http2"`
	HTTP2Open int64  `json:"http2_open"`
	Mallocs   uint64 `json:"mallocs"`    // heap objects allocated by the process so far
	Heap      uint64 `json:"heap_bytes"` // bytes of live and not yet swept heap objects

	// Buffered is what connections hold against Limits.MaxBuffered now,
	// and BufferedPeak the most they have held.
	Buffered     int64 `json:"buffered_bytes"`
	BufferedPeak int64 `json:"buffered_peak_bytes"`
	// Timeouts counts connections closed by each timeout of Limits.
	Timeouts struct {
		Handshake int64 `json:"handshake"`
		Idle      int64 `json:"idle"`
		Write     int64 `json:"write"`
		Close     int64 `json:"close"`
	} `json:"timeouts"`
	// Refused counts connections turned away at MaxConns, and those
	// failed with 1013 for the memory budget.
	Refused struct {
		Conns  int64 `json:"conns"`
		Memory int64 `json:"memory"`
	} `json:"refused"`
	// AcceptPauses counts the times accepting stopped, at MaxConns or out
	// of descriptors, until connections closed.
	AcceptPauses int64 `json:"accept_pauses"`
}

// Stats returns the server's counters and the process's heap figures.
func (s *Server) Stats() Stats {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	var v [2]uint64
	for i := range sample {
		if sample[i].Value.Kind() == metrics.KindUint64 {
			v[i] = sample[i].Value.Uint64()
		}
	}
	st := Stats{Messages: s.messages.Load(), Bytes: s.bytes.Load(), Conns: int(s.active.Load()), Mallocs: v[0], Heap: v[1],
		HTTP2: s.http2.Load(), HTTP2Open: s.http2Open.Load()}
	b := s.Budget()
	st.Buffered, st.BufferedPeak = b.Used(), b.peak.Load()
	st.Timeouts.Handshake = s.events[TimeoutHandshake].Load()
	st.Timeouts.Idle = s.events[TimeoutIdle].Load()
	st.Timeouts.Write = s.events[TimeoutWrite].Load()
	st.Timeouts.Close = s.events[TimeoutClose].Load()
	st.Refused.Conns = s.events[RefusedConns].Load()
	st.Refused.Memory = s.events[RefusedMemory].Load()
	st.AcceptPauses = s.events[AcceptPaused].Load()
	return st
}
