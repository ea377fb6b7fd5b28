package deflate_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// compressedEcho is a net/http handler that echoes every message,
// compressed when the client offered permessage-deflate.
func compressedEcho(w http.ResponseWriter, r *http.Request) {
	var p deflate.Params
	var compress bool
	opts := &handshake.Options{Extensions: func(offers []string) string {
		var response string
		p, response, compress = deflate.NegotiateServer(offers, deflate.ServerOptions{})
		return response
	}}
	conn, rw, err := handshake.Upgrade(w, r, opts)
	if err != nil {
		return
	}
	defer conn.Close()
	out := wsnet.NewWriter(conn, codec.RoleServer)
	in := wsnet.NewReader(rw.Reader, codec.RoleServer) // rw.Reader, not conn: it holds what came with the request
	in.Replies = out
	if compress { // the client offered it, and the offer was valid
		out.Compress = deflate.NewCompressor(p, codec.RoleServer, deflate.DefaultLevel)
		in.Decompress = deflate.NewDecompressor(p, codec.RoleServer, 16<<20)
	}
	for {
		op, msg, err := in.ReadMessage(nil)
		if err != nil {
			return
		}
		out.WriteMessage(op, msg)
	}
}

// A server negotiates from the hook of handshake.Upgrade and turns
// compression on only when the negotiation succeeded: a client that
// offered none gets plain messages.
func ExampleNegotiateServer_upgrade() {
	srv := httptest.NewServer(http.HandlerFunc(compressedEcho))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/"
	for _, offer := range []string{deflate.ClientOffer(deflate.ClientOptions{}), ""} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, rest, err := handshake.Dial(ctx, url, &handshake.DialOptions{Extensions: offer})
		cancel()
		if err != nil {
			fmt.Println(err)
			return
		}
		ext := conn.(*handshake.ClientConn).Extensions()
		out := wsnet.NewWriter(conn, codec.RoleClient)
		in := wsnet.NewReader(io.MultiReader(bytes.NewReader(rest), conn), codec.RoleClient)
		if p, ok, _ := deflate.ParseResponse([]byte(ext), deflate.ClientOptions{}); ok {
			out.Compress = deflate.NewCompressor(p, codec.RoleClient, deflate.DefaultLevel)
			in.Decompress = deflate.NewDecompressor(p, codec.RoleClient, 16<<20)
		}
		out.WriteMessage(codec.OpText, bytes.Repeat([]byte("Can you hear me? "), 10))
		_, msg, err := in.ReadMessage(nil)
		fmt.Printf("offered %q, agreed %q: %d bytes echoed, %v\n", offer, ext, len(msg), err)
		conn.Close()
	}
	// Output:
	// offered "permessage-deflate; client_max_window_bits", agreed "permessage-deflate": 170 bytes echoed, <nil>
	// offered "", agreed "": 170 bytes echoed, <nil>
}
