package deflate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/testenv"
)

// Interoperability with Node's ws 8.23.0, whose permessage-deflate runs on
// zlib: compressed messages go both ways, with and without context
// takeover and with small windows, through its client and its server. The
// ws package is the one the main module's interop tests install.

const wsModule = "../interop/testdata/node/node_modules/ws"

func needNode(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no Node peer")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed (apt-get install nodejs npm)")
	}
	mod, err := filepath.Abs(wsModule)
	if err == nil {
		_, err = os.Stat(filepath.Join(mod, "package.json"))
	}
	if err != nil {
		t.Skipf("Node's ws is not installed: cd interop/testdata/node && npm ci (%v)", err)
	}
	return mod
}

// startNode runs testdata/node/peer.js until the test ends.
func startNode(t *testing.T, mod string, args ...string) *testenv.Proc {
	t.Helper()
	return testenv.Start(t, []string{"WS_MODULE=" + mod}, "node", append([]string{"testdata/node/peer.js"}, args...)...)
}

// peerWait bounds the wait for a peer script's line: its port, or the
// response it saw once it is done.
const peerWait = 60 * time.Second

// interopMessages are what the tests send: small and large JSON and text,
// binary data that does not compress, and an empty message.
func interopMessages() [][]byte {
	var msgs [][]byte
	for _, n := range []int{1, 60, 500, 3000, 40 << 10, 300 << 10} {
		msgs = append(msgs, messages("json", max(n, 2), 2)...)
		msgs = append(msgs, messages("text", max(n, 2), 1)...)
	}
	rnd := make([]byte, 70000)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range rnd {
		rnd[i] = byte(r.Uint32())
	}
	return append(msgs, rnd, []byte{}, bytes.Repeat([]byte("ab"), 1<<20))
}

// exchange sends msgs as role over conn, compressed with p, and checks
// that the peer echoes each one. Large messages go out in fragments as
// AppendChunk produces them. pending holds bytes read past the handshake.
func exchange(t *testing.T, conn net.Conn, pending []byte, role codec.Role, p Params, msgs [][]byte) {
	t.Helper()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	errc := make(chan error, 1)
	go func() { // the reader
		dec := codec.Decoder{Role: role, AllowedRsv: codec.Rsv1, MaxMessage: 64 << 20}
		d := NewDecompressor(p, role, 64<<20)
		br := io.MultiReader(bytes.NewReader(pending), conn)
		buf := make([]byte, 16<<10)
		var ev codec.Event
		var msg []byte
		compressed := false
		i := 0
		for i < len(msgs) {
			k, err := br.Read(buf)
			if err != nil {
				errc <- fmt.Errorf("after %d echoes: %v", i, err)
				return
			}
			for in := buf[:k]; len(in) > 0; {
				n, err := dec.Next(in, &ev)
				if err != nil {
					errc <- err
					return
				}
				in = in[n:]
				if ev.Kind != codec.EventData {
					continue
				}
				if ev.Start {
					compressed = ev.Rsv&codec.Rsv1 != 0
				}
				if compressed {
					msg, err = d.AppendChunk(msg, ev.Opcode, ev.Payload, ev.End)
				} else {
					msg = append(msg, ev.Payload...)
				}
				if err != nil {
					errc <- fmt.Errorf("echo %d: %v", i, err)
					return
				}
				if ev.End {
					if !compressed || !bytes.Equal(msg, msgs[i]) {
						errc <- fmt.Errorf("echo %d: %d bytes, compressed %v; sent %d", i, len(msg), compressed, len(msgs[i]))
						return
					}
					msg = msg[:0]
					i++
				}
			}
		}
		errc <- nil
	}()

	enc := codec.Encoder{Role: role}
	c := NewCompressor(p, role, DefaultLevel)
	var frame, payload []byte
	for i, m := range msgs {
		op := codec.OpBinary
		if codec.ValidUTF8(m) {
			op = codec.OpText
		}
		first := true
		piece := max(len(m)/3, 1)
		for off := 0; off < len(m) || off == 0; off += piece {
			chunk := m[off:min(off+piece, len(m))]
			last := off+piece >= len(m)
			var err error
			if payload, err = c.AppendChunk(payload[:0], chunk, last); err != nil {
				t.Fatal(err)
			}
			if len(payload) == 0 && !last {
				continue
			}
			fop, rsv := codec.OpContinuation, uint8(0)
			if first {
				fop, rsv = op, codec.Rsv1
			}
			first = false
			if frame, err = enc.AppendFrame(frame[:0], fop, rsv, last, payload); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Write(frame); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	frame, _ = enc.AppendClose(frame[:0], codec.CloseNormal, "")
	conn.Write(frame)
}

// TestNodeServer runs this package's client against ws's server.
func TestNodeServer(t *testing.T) {
	mod := needNode(t)
	msgs := interopMessages()
	for _, tc := range []struct {
		node   string // ws's perMessageDeflate options
		client ClientOptions
		want   Params
	}{
		{`{}`, ClientOptions{}, Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{`{}`, ClientOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true},
			Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{`{"serverMaxWindowBits": 9, "clientMaxWindowBits": 10}`, ClientOptions{},
			Params{ServerMaxWindowBits: 9, ClientMaxWindowBits: 10}},
		{`{}`, ClientOptions{ServerMaxWindowBits: 9, ClientMaxWindowBits: 8},
			Params{ServerMaxWindowBits: 9, ClientMaxWindowBits: 8}},
		{`{"serverNoContextTakeover": true, "clientNoContextTakeover": true, "serverMaxWindowBits": 12, "clientMaxWindowBits": 12}`,
			ClientOptions{NoClientMaxWindowBits: false},
			Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 12, ClientMaxWindowBits: 12}},
	} {
		t.Run(tc.node+ClientOffer(tc.client), func(t *testing.T) {
			port := startNode(t, mod, "server", tc.node).Line(t, peerWait)
			dialExchange(t, port, tc.client, tc.want, msgs)
		})
	}
}

// TestNodeClient runs ws's client against this package's server.
func TestNodeClient(t *testing.T) {
	mod := needNode(t)
	msgs := interopMessages()
	for _, tc := range []struct {
		node   string
		server ServerOptions
		reply  string
	}{
		{`{}`, ServerOptions{}, "permessage-deflate"},
		{`{}`, ServerOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
		{`{}`, ServerOptions{ServerMaxWindowBits: 8, ClientMaxWindowBits: 9},
			"permessage-deflate; server_max_window_bits=8; client_max_window_bits=9"},
		{`{"serverMaxWindowBits": 10, "clientMaxWindowBits": 11}`, ServerOptions{},
			"permessage-deflate; server_max_window_bits=10; client_max_window_bits=11"},
		{`{"serverNoContextTakeover": true, "clientNoContextTakeover": true}`, ServerOptions{ServerMaxWindowBits: 12},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12"},
	} {
		name, _ := json.Marshal(tc.server)
		t.Run(tc.node+string(name), func(t *testing.T) {
			url, reply, done := exchangeServer(t, tc.server, msgs)
			ext := startNode(t, mod, "client", tc.node, url).Line(t, peerWait)
			waitDone(t, done)
			if strings.TrimSpace(ext) != tc.reply || *reply != tc.reply {
				t.Errorf("ws saw %q; the server answered %q; want %q", ext, *reply, tc.reply)
			}
		})
	}
}

// exchangeServer serves one client on a loopback port: it negotiates with
// server, then runs exchange as the server. It returns the URL, the
// response it gave (set once a client came) and a channel closed when the
// exchange is over.
func exchangeServer(t *testing.T, server ServerOptions, msgs [][]byte) (url string, reply *string, done <-chan struct{}) {
	t.Helper()
	finished := make(chan struct{})
	reply = new(string)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(finished)
		var p Params
		var ok bool
		opts := &handshake.Options{Extensions: func(offers []string) string {
			p, *reply, ok = NegotiateServer(offers, server)
			return *reply
		}}
		conn, rw, err := handshake.Upgrade(w, r, opts)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		if !ok {
			t.Error("no agreement")
			return
		}
		pending, _ := rw.Reader.Peek(rw.Reader.Buffered())
		exchange(t, conn, pending, codec.RoleServer, p, msgs)
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/", reply, finished
}

// waitDone waits for exchangeServer's exchange to end.
func waitDone(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		t.Fatal("timeout")
	}
}

// dialExchange connects to a peer's server on a loopback port with client's
// offer, checks that the agreement is want, and runs exchange as the
// client.
func dialExchange(t *testing.T, port string, client ClientOptions, want Params, msgs [][]byte) {
	t.Helper()
	offer := ClientOffer(client)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, rest, err := handshake.Dial(ctx, "ws://127.0.0.1:"+strings.TrimSpace(port)+"/", &handshake.DialOptions{Extensions: offer})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	reply := conn.(*handshake.ClientConn).Extensions()
	p, ok, err := ParseResponse([]byte(reply), client)
	if err != nil || !ok || p != want {
		t.Fatalf("offer %q, reply %q: %+v, %v, %v; want %+v", offer, reply, p, ok, err, want)
	}
	exchange(t, conn, rest, codec.RoleClient, p, msgs)
}
