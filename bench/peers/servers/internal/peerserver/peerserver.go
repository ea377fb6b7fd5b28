// Package peerserver is what the peer echo servers share and what has
// nothing to do with WebSocket: the -addr flag, the /stats endpoint the
// sweep reads, the "listening on" line, and exiting on a signal.
//
// GET /stats answers as `wsbench serve`'s does, with the messages echoed,
// the heap objects allocated and the bytes of heap objects. GET
// /stats?gc=1 runs a garbage collection first (runtime.GC, which also
// finishes sweeping), so that heap_bytes is the live heap; `wsbench
// serve` has no such query.
package peerserver

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// MaxMessage is the read limit every peer server is given, in bytes: the
// same as `wsbench serve -max-message`.
const MaxMessage = 32 << 20

// BufferSize is the read and write buffer every peer server is given where
// its library has such a setting: the same as `wsbench serve` uses.
const BufferSize = 16 << 10

// echoed counts the messages echoed since the process started.
var echoed atomic.Int64

// Echoed records that one message was echoed.
func Echoed() { echoed.Add(1) }

// Stats is what GET /stats answers.
type Stats struct {
	Messages int64  `json:"messages"`
	Mallocs  uint64 `json:"mallocs"`    // heap objects allocated so far (/gc/heap/allocs:objects)
	Heap     uint64 `json:"heap_bytes"` // bytes of heap objects, live or not yet swept (/memory/classes/heap/objects:bytes)
}

func readStats() Stats {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	var v [2]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	return Stats{Messages: echoed.Load(), Mallocs: v[0], Heap: v[1]}
}

// isUpgrade reports whether r asks for a WebSocket: it names websocket
// in Upgrade, or carries a Sec-WebSocket-Key, so that the library, not
// this router, judges a handshake that lacks one of them.
func isUpgrade(r *http.Request) bool {
	if r.Header.Get("Sec-WebSocket-Key") != "" {
		return true
	}
	for _, v := range r.Header.Values("Upgrade") {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), "websocket") {
				return true
			}
		}
	}
	return false
}

// Main parses -addr (default defaultAddr), serves ws for every request
// that asks for a WebSocket upgrade on any path and /stats for a plain
// GET, prints "listening on ADDR" once it accepts connections, and exits
// on SIGINT or SIGTERM.
func Main(defaultAddr string, ws http.HandlerFunc) { MainWith(defaultAddr, nil, ws) }

// MainWith is Main for a server with flags of its own: it calls setup, if
// not nil, after parsing the flags and before serving.
func MainWith(defaultAddr string, setup func(), ws http.HandlerFunc) {
	addr := flag.String("addr", defaultAddr, "address to listen on")
	flag.Parse()
	if setup != nil {
		setup()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case isUpgrade(r):
			ws(w, r)
		case r.URL.Path == "/stats":
			if r.URL.Query().Get("gc") == "1" {
				runtime.GC()
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(readStats())
		default:
			http.NotFound(w, r)
		}
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		srv.Close() // hijacked connections end with the process
		os.Exit(0)
	}()
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatal(err)
	}
	select {} // the signal goroutine exits the process
}

// AppendAll reads r to EOF, appending to b, and returns the extended
// buffer: io.ReadAll into a buffer the caller keeps, so that a server
// that reads whole messages reuses one buffer per connection.
func AppendAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				return b, nil
			}
			return b, err
		}
	}
}
