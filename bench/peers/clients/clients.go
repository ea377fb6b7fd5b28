// Package clients holds an echo client on each library that bench/peers
// compares, as wstest.RunClient takes it: dial the URL, echo every message
// (text as text, binary as binary) until the server closes, return. Each
// is written the way its library's documentation shows, with the
// library's defaults but for the read limit, which is MaxMessage where
// the library has one (as the peer servers are given), and compression
// offered where the library can: with deflate set, each offers
// permessage-deflate as its options allow.
package clients

import (
	"context"
	"errors"
	"io"
	"net/http"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/gorilla/websocket"
	"github.com/lxzan/gws"

	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/wstest"
)

// MaxMessage is the read limit the clients are given where their library
// has one: the peer servers' limit.
const MaxMessage = 32 << 20

// Client is one library's echo client.
type Client struct {
	Name   string // as the results name it
	Module string // the module, whose version go.mod pins
	// Echo returns the client, offering permessage-deflate when deflate
	// is set and the library supports it.
	Echo func(deflate bool) wstest.EchoClient
}

// All are the clients compared, this module's first.
var All = []Client{
	{"wsframe", "github.com/wsframe/wsframe", WSFrame},
	{"gorilla", "github.com/gorilla/websocket", Gorilla},
	{"gobwas", "github.com/gobwas/ws", Gobwas},
	{"gws", "github.com/lxzan/gws", GWS},
	{"coder", "github.com/coder/websocket", Coder},
}

// WSFrame is this module's client: a wsnet.Conn from wsnet.Dial, offering
// compression when useDeflate is set (internal/echo.Client, which
// wstest's own tests run).
func WSFrame(useDeflate bool) wstest.EchoClient {
	if useDeflate {
		return echo.Client(&deflate.ClientOptions{}, MaxMessage)
	}
	return echo.Client(nil, MaxMessage)
}

// Gorilla is gorilla/websocket's client: Dialer.DialContext, then
// NextReader copied into NextWriter. Its default handlers answer pings
// and close frames.
func Gorilla(deflate bool) wstest.EchoClient {
	return func(ctx context.Context, url string) error {
		d := websocket.Dialer{EnableCompression: deflate}
		c, _, err := d.DialContext(ctx, url, nil)
		if err != nil {
			return err
		}
		defer c.Close()
		defer context.AfterFunc(ctx, func() { c.Close() })()
		c.SetReadLimit(MaxMessage)
		for {
			mt, r, err := c.NextReader()
			if err != nil {
				return err
			}
			w, err := c.NextWriter(mt)
			if err != nil {
				return err
			}
			if _, err := io.Copy(w, r); err != nil {
				return err
			}
			if err := w.Close(); err != nil {
				return err
			}
		}
	}
}

// Gobwas is gobwas/ws's client with its wsutil helpers: ws.Dial, then
// wsutil.ReadServerData (which answers pings and close frames) and
// wsutil.WriteClientMessage. gobwas/ws offers no compression through
// ws.Dial.
func Gobwas(bool) wstest.EchoClient {
	return func(ctx context.Context, url string) error {
		conn, br, _, err := ws.Dial(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close()
		defer context.AfterFunc(ctx, func() { conn.Close() })()
		var rd io.Reader = conn
		if br != nil { // the server's first frames, read with its reply
			rd = io.MultiReader(br, conn)
		}
		rw := struct {
			io.Reader
			io.Writer
		}{rd, conn}
		for {
			p, op, err := wsutil.ReadServerData(rw)
			if err != nil {
				return err
			}
			if err := wsutil.WriteClientMessage(conn, op, p); err != nil {
				return err
			}
		}
	}
}

// gwsHandler echoes, and answers pings with their payload as gws's
// README does.
type gwsHandler struct {
	gws.BuiltinEventHandler
	done chan error
}

func (gwsHandler) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

func (h gwsHandler) OnClose(c *gws.Conn, err error) { h.done <- err }

func (gwsHandler) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	_ = c.WriteMessage(m.Opcode, m.Bytes())
}

// GWS is lxzan/gws's client: NewClient with an event handler, then
// ReadLoop until the connection ends.
func GWS(deflate bool) wstest.EchoClient {
	return func(ctx context.Context, url string) error {
		h := gwsHandler{done: make(chan error, 1)}
		c, _, err := gws.NewClient(h, &gws.ClientOption{
			Addr:               url,
			ReadMaxPayloadSize: MaxMessage,
			PermessageDeflate:  gws.PermessageDeflate{Enabled: deflate},
		})
		if err != nil {
			return err
		}
		defer context.AfterFunc(ctx, func() { c.NetConn().Close() })()
		c.ReadLoop()
		return <-h.done
	}
}

// Coder is coder/websocket's client: Dial, then Reader copied into
// Writer. It answers pings and close frames itself while reading.
func Coder(deflate bool) wstest.EchoClient {
	return func(ctx context.Context, url string) error {
		opts := &coder.DialOptions{HTTPClient: &http.Client{}}
		if deflate {
			opts.CompressionMode = coder.CompressionNoContextTakeover
		}
		c, _, err := coder.Dial(ctx, url, opts)
		if err != nil {
			return err
		}
		defer c.CloseNow()
		c.SetReadLimit(MaxMessage)
		for {
			typ, r, err := c.Reader(ctx)
			if err != nil {
				if coder.CloseStatus(err) != -1 {
					return nil // the server closed
				}
				return err
			}
			w, err := c.Writer(ctx, typ)
			if err != nil {
				return err
			}
			if _, err := io.Copy(w, r); err != nil {
				return errors.Join(err, w.Close())
			}
			if err := w.Close(); err != nil {
				return err
			}
		}
	}
}
