package echo

import (
	"bytes"
	"context"
	"io"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// Client returns this module's echo client, as wstest.RunClient takes it:
// handshake.Dial, then codec's Reader and Writer, echoing every message
// of up to maxMessage bytes until the server closes. With offer set, it
// offers permessage-deflate and compresses and inflates when the server
// accepts. The conformance tests of wstest and the peer comparison in
// bench/peers both run it.
func Client(offer *deflate.ClientOptions, maxMessage int64) func(ctx context.Context, url string) error {
	return func(ctx context.Context, url string) error {
		var opts handshake.DialOptions
		if offer != nil {
			opts.Extensions = deflate.ClientOffer(*offer)
		}
		conn, rest, err := handshake.Dial(ctx, url, &opts)
		if err != nil {
			return err
		}
		defer conn.Close()
		defer context.AfterFunc(ctx, func() { conn.Close() })()
		w := wsnet.NewWriter(conn, codec.RoleClient)
		r := wsnet.NewReader(io.MultiReader(bytes.NewReader(rest), conn), codec.RoleClient)
		r.Replies, r.MaxMessage = w, maxMessage
		if ext := conn.(*handshake.ClientConn).Extensions(); offer != nil && ext != "" {
			p, ok, err := deflate.ParseResponse([]byte(ext), *offer)
			if err != nil {
				return err // the reply breaks RFC 7692: fail the connection
			}
			if ok {
				r.Decompress = deflate.NewDecompressor(p, codec.RoleClient, maxMessage)
				w.Compress = deflate.NewCompressor(p, codec.RoleClient, deflate.DefaultLevel)
			}
		}
		var buf []byte
		for {
			op, msg, err := r.ReadMessage(buf[:0])
			if err != nil {
				return err
			}
			if err := w.WriteMessage(op, msg); err != nil {
				return err
			}
			buf = msg
		}
	}
}
