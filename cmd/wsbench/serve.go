package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

//go:embed demo.html
var demoPage []byte

// server is the echo server of `wsbench serve` and of the default run.
type server struct {
	maxMessage int64
	readBuf    int
	writeBuf   int
	logger     *log.Logger // nil: quiet
	// deflate, when set, is offered permessage-deflate with these options;
	// nil declines it.
	deflate *deflate.ServerOptions

	mu      sync.Mutex
	conns   map[*serverConn]struct{}
	closing bool
	wg      sync.WaitGroup

	messages atomic.Int64 // messages echoed
	bytes    atomic.Int64 // payload bytes echoed
	active   atomic.Int64 // open connections
}

func newServer(maxMessage int64, readBuf, writeBuf int, logger *log.Logger) *server {
	return &server{
		maxMessage: maxMessage,
		readBuf:    max(readBuf, 4096+codec.MaxHeaderLen),
		writeBuf:   max(writeBuf, 4096),
		logger:     logger,
		conns:      map[*serverConn]struct{}{},
	}
}

func (s *server) logf(format string, args ...any) {
	if s.logger != nil {
		s.logger.Printf(format, args...)
	}
}

// isUpgrade reports whether r attempts a WebSocket handshake: it carries an
// Upgrade or a Sec-WebSocket-Key header. Such a request gets the
// handshake's checks and errors, not the demo page.
func isUpgrade(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" || r.Header.Get("Sec-WebSocket-Key") != ""
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isUpgrade(r) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(demoPage)
		case "/stats":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(s.stats())
		default:
			http.NotFound(w, r)
		}
		return
	}
	// An echo server serves anyone: it holds nothing a cross-origin page
	// could steal with the user's cookies.
	opts := &handshake.Options{CheckOrigin: func(*http.Request) bool { return true }}
	var params deflate.Params
	negotiated := false
	if s.deflate != nil {
		opts.Extensions = func(offer []string) string {
			var resp string
			params, resp, negotiated = deflate.NegotiateServer(offer, *s.deflate)
			return resp
		}
	}
	conn, rw, err := handshake.Upgrade(w, r, opts)
	if err != nil {
		s.logf("handshake from %s refused: %v", r.RemoteAddr, err)
		return
	}
	s.logf("handshake from %s: %s", r.RemoteAddr, r.URL.Path)
	// Bytes the client sent after its request are in rw's buffer.
	pre, _ := rw.Reader.Peek(rw.Reader.Buffered())
	c := &serverConn{echoConn: newEchoConn(s, r.URL.Path == "/seed", pre, nil), conn: conn}
	if negotiated {
		c.useDeflate(params)
	}
	if !s.add(c) {
		conn.Close()
		return
	}
	defer s.remove(c)
	c.serve()
}

func (s *server) add(c *serverConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.active.Add(1)
	return true
}

func (s *server) remove(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.active.Add(-1)
	s.wg.Done()
}

// shutdown sends a close frame with 1001 (going away) to every open
// connection and waits until they end or ctx is done, then closes what is
// left.
func (s *server) shutdown(ctx context.Context) {
	s.mu.Lock()
	s.closing = true
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	// Send the close frames without waiting on them: a connection stuck
	// writing to a client that stopped reading holds its write lock, and
	// only closing it below frees it.
	for _, c := range conns {
		go c.goingAway()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range conns {
			c.conn.Close()
		}
		<-done
	}
}

// Stats is what /stats reports.
type Stats struct {
	Messages int64  `json:"messages"`
	Bytes    int64  `json:"bytes"`
	Conns    int    `json:"conns"`
	Mallocs  uint64 `json:"mallocs"`    // heap objects allocated by the process so far
	Heap     uint64 `json:"heap_bytes"` // bytes of live and not yet swept heap objects
}

func (s *server) stats() Stats {
	return Stats{Messages: s.messages.Load(), Bytes: s.bytes.Load(), Conns: int(s.active.Load()), Mallocs: heapAllocs(), Heap: heapBytes()}
}

// heapAllocs returns the number of heap objects the process has allocated.
func heapAllocs() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// heapBytes returns the bytes of heap objects, live or not yet swept.
func heapBytes() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// serverConn is one echo connection of the goroutine engine: a goroutine
// blocks in Read and Write, and the protocol is echoConn's.
type serverConn struct {
	*echoConn
	conn net.Conn
	iov  [3][]byte
	bufs net.Buffers
	wmu  sync.Mutex // guards writes: the connection's goroutine and shutdown both write
	err  error
	gone bool // shutdown sent close 1001: drop every later write
}

// writev writes a, b and c in order, blocking until done.
func (c *serverConn) writev(a, b, d []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.err != nil || c.gone {
		return c.err
	}
	c.iov = [3][]byte{a, b, d}
	c.bufs = c.iov[:]
	_, c.err = c.bufs.WriteTo(c.conn)
	c.iov = [3][]byte{}
	return c.err
}

func (c *serverConn) pending() bool { return false }

// serve reads and echoes until the connection ends.
func (c *serverConn) serve() {
	defer c.conn.Close()
	for {
		done := c.process(c)
		if len(c.wb) > 0 {
			err := c.writev(c.wb, nil, nil)
			c.wb = c.wb[:0]
			if err != nil {
				return
			}
		}
		if done {
			return
		}
		n, err := c.conn.Read(c.readSpace())
		c.read(n)
		if n == 0 && err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.s.logf("read from %s: %v", c.conn.RemoteAddr(), err)
			}
			return
		}
	}
}

// goingAway sends close 1001 from outside the connection's goroutine.
func (c *serverConn) goingAway() {
	var buf [64]byte
	p := codec.AppendClose(buf[:0], codec.CloseGoingAway, "server shutting down")
	frame := codec.AppendHeader(make([]byte, 0, 64), codec.Header{Fin: true, Opcode: codec.OpClose, Length: int64(len(p))})
	frame = append(frame, p...)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.gone || c.err != nil {
		return
	}
	// The connection's own close frame may already be on its way; a second
	// one is harmless to a peer that closes on the first.
	c.gone = true
	_, c.err = c.conn.Write(frame)
}

// Server engines: how a server moves bytes.
const (
	engineEpoll     = "epoll"     // event loops over epoll (Linux)
	engineGoroutine = "goroutine" // net/http and a goroutine per connection
)

// defaultEngine is epoll where there is one.
func defaultEngine() string {
	if haveEpoll {
		return engineEpoll
	}
	return engineGoroutine
}

// listen starts s on addr with the given engine and returns its address
// and a function that shuts it down within grace.
func (s *server) listen(addr, engine string) (net.Addr, func(grace time.Duration), error) {
	if engine == engineEpoll {
		return s.listenEpoll(addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go hs.Serve(ln)
	stop := func(grace time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		hs.Shutdown(ctx) // stops accepting; hijacked connections are ours
		s.shutdown(ctx)
	}
	return ln.Addr(), stop, nil
}
