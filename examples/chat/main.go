// Command chat is a broadcast chat room over WebSockets, built on package
// wsnet: the project's first demo ("Can you hear me?" / "Loud and
// clear!") grown into a room where every line anyone sends reaches
// everyone.
//
// Run the server, then open http://127.0.0.1:8080/ in a few browser tabs:
//
//	go run ./examples/chat
//
// or join from a terminal, which prints what the room says and sends each
// line of standard input:
//
//	go run ./examples/chat -client ws://127.0.0.1:8080/ws -name ann
//
// The server pings every member (-keepalive) and drops those that stop
// answering, compresses each broadcast once for all members, drops a
// member that falls -queue messages behind, and on SIGINT or SIGTERM
// closes every connection with 1001 (going away) before it exits.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/wsnet"
)

// indexHTML is the chat page, embedded so that the binary is all there is
// to deploy.
//
//go:embed index.html
var indexHTML []byte

// config holds the server's settings, from flags or from a test.
type config struct {
	KeepaliveInterval time.Duration // ping period; 0 turns keepalive off
	KeepaliveTimeout  time.Duration // how long a ping may go unanswered
	CloseTimeout      time.Duration // how long a close waits for the peer's
	ShutdownTimeout   time.Duration // bound on the whole graceful shutdown
	QueueSize         int           // messages a member may fall behind
	MaxMessage        int64         // largest message a member may send
	Log               *slog.Logger
}

// defaultConfig returns the settings the flags default to.
func defaultConfig() config {
	return config{
		KeepaliveInterval: 30 * time.Second,
		KeepaliveTimeout:  10 * time.Second,
		CloseTimeout:      5 * time.Second,
		ShutdownTimeout:   10 * time.Second,
		QueueSize:         64,
		MaxMessage:        64 << 10,
	}
}

// chat is the server: the room, the wsnet.Server that makes and tracks
// its connections, and the HTTP routes.
type chat struct {
	cfg  config
	room *Room
	ws   *wsnet.Server
}

// newChat returns a server with cfg's settings.
func newChat(cfg config) *chat {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	ws := &wsnet.Server{}
	ws.KeepaliveInterval = cfg.KeepaliveInterval
	ws.KeepaliveTimeout = cfg.KeepaliveTimeout
	ws.CloseTimeout = cfg.CloseTimeout
	ws.MaxMessage = cfg.MaxMessage
	// Without context takeover each message is compressed on its own, so
	// a broadcast's PreparedMessage is compressed once and the same bytes
	// suit every member; it also spares a compressor per connection.
	ws.Compression = &deflate.ServerOptions{ServerNoContextTakeover: true}
	return &chat{cfg: cfg, room: NewRoom(cfg.QueueSize, cfg.Log), ws: ws}
}

// handler returns the routes: the page at "/" and the WebSocket at "/ws".
func (c *chat) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", servePage)
	mux.HandleFunc("GET /ws", c.serveWS)
	return mux
}

// servePage serves the chat page.
func servePage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(indexHTML)
}

// serveWS upgrades the request and keeps the connection in the room until
// it ends; the member's name is the name query parameter.
func (c *chat) serveWS(w http.ResponseWriter, r *http.Request) {
	conn, err := c.ws.Upgrade(w, r)
	if err != nil {
		// Upgrade has answered with the status that says why.
		c.cfg.Log.Info("upgrade refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	c.room.Serve(conn, cleanName(r.URL.Query().Get("name")))
}

// maxName is the longest name kept, in runes.
const maxName = 32

// cleanName makes a display name of what a client asked for: trimmed,
// at most maxName runes, valid UTF-8, and "anonymous" when empty. The
// client applies it too, to recognise its own messages.
func cleanName(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if utf8.RuneCountInString(s) > maxName {
		s = strings.TrimSpace(string([]rune(s)[:maxName]))
	}
	if s == "" {
		return "anonymous"
	}
	return s
}

// serve serves HTTP on ln until ctx ends, then shuts down gracefully:
// net/http stops accepting and finishes plain requests, then the
// wsnet.Server closes every WebSocket with 1001 and waits for the peers'
// close frames, all within ShutdownTimeout. It returns nil after a clean
// shutdown.
func (c *chat) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: c.handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	c.cfg.Log.Info("shutting down", "members", c.room.Len())
	sctx, cancel := context.WithTimeout(context.Background(), c.cfg.ShutdownTimeout)
	defer cancel()
	// net/http does not wait for connections it handed over to the
	// WebSocket code (hijacked), which is why wsnet.Server.Shutdown
	// follows it.
	err := srv.Shutdown(sctx)
	c.room.Close()
	err = errors.Join(err, c.ws.Shutdown(sctx), c.room.Wait(sctx))
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// run is main with its surroundings passed in, for tests: it parses args,
// then runs the client or the server until ctx ends, and returns the exit
// status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to serve on")
	client := fs.String("client", "", "join the room at this ws:// URL instead of serving")
	name := fs.String("name", "", "with -client: the name to join as (the URL's name parameter)")
	fs.DurationVar(&cfg.KeepaliveInterval, "keepalive", cfg.KeepaliveInterval, "ping members this often (0: never)")
	fs.DurationVar(&cfg.KeepaliveTimeout, "keepalive-timeout", cfg.KeepaliveTimeout, "drop a member silent this long after a ping")
	fs.DurationVar(&cfg.CloseTimeout, "close-timeout", cfg.CloseTimeout, "wait this long for a peer's close frame")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "bound on the graceful shutdown")
	fs.IntVar(&cfg.QueueSize, "queue", cfg.QueueSize, "drop a member this many messages behind")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "chat: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *client != "" {
		return exitStatus(stderr, runClient(ctx, withName(*client, *name), stdin, stdout))
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, nil))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return exitStatus(stderr, err)
	}
	cfg.Log.Info("serving", "page", "http://"+ln.Addr().String()+"/")
	return exitStatus(stderr, newChat(cfg).serve(ctx, ln))
}

// withName returns rawURL with its name query parameter set to name, or
// rawURL as it is when name is empty or rawURL does not parse (Dial then
// says why).
func withName(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if name == "" || err != nil {
		return rawURL
	}
	q := u.Query()
	q.Set("name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// exitStatus reports err, if any, and returns the exit status for it.
func exitStatus(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "chat:", err)
	return 1
}

func main() {
	// The signals end ctx, which starts the graceful shutdown; a second
	// signal kills the process as usual, since stop restores the default.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
