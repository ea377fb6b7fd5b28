// Command consumer is what a user of a release of
// github.com/wsframe/wsframe writes: a server and a client on codec,
// handshake and deflate, exchanging the seed article's two messages,
// compressed. .ci/run builds it in a fresh module that fetched the module
// from a proxy, as `go get` does after a release.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

// seed answers every text message with "Loud and clear!", compressed
// when the client offered permessage-deflate.
func seed(w http.ResponseWriter, r *http.Request) {
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
	in := wsnet.NewReader(rw.Reader, codec.RoleServer)
	in.Replies = out
	if compress {
		out.Compress = deflate.NewCompressor(p, codec.RoleServer, deflate.DefaultLevel)
		out.CompressMin = 1
		in.Decompress = deflate.NewDecompressor(p, codec.RoleServer, 1<<20)
	}
	for {
		op, _, err := in.ReadMessage(nil)
		if err != nil {
			return
		}
		if op == codec.OpText {
			out.WriteMessage(codec.OpText, []byte("Loud and clear!"))
		}
	}
}

func run() error {
	srv := httptest.NewServer(http.HandlerFunc(seed))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offer := deflate.ClientOptions{}
	conn, rest, err := handshake.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/seed", &handshake.DialOptions{Extensions: deflate.ClientOffer(offer)})
	if err != nil {
		return err
	}
	defer conn.Close()
	p, ok, err := deflate.ParseResponse([]byte(conn.(*handshake.ClientConn).Extensions()), offer)
	if err != nil || !ok {
		return fmt.Errorf("compression not agreed: %v", err)
	}
	out := wsnet.NewWriter(conn, codec.RoleClient)
	out.Compress, out.CompressMin = deflate.NewCompressor(p, codec.RoleClient, deflate.DefaultLevel), 1
	in := wsnet.NewReader(io.MultiReader(bytes.NewReader(rest), conn), codec.RoleClient)
	in.Replies, in.Decompress = out, deflate.NewDecompressor(p, codec.RoleClient, 1<<20)
	if err := out.WriteMessage(codec.OpText, []byte("Can you hear me?")); err != nil {
		return err
	}
	_, msg, err := in.ReadMessage(nil)
	if err != nil {
		return err
	}
	if string(msg) != "Loud and clear!" {
		return fmt.Errorf("the server answered %q", msg)
	}
	out.WriteClose(codec.CloseNormal, "")
	fmt.Printf("%s (compressed both ways: %s)\n", msg, p)
	return nil
}
