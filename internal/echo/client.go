package echo

import (
	"context"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/wsframe/wsframe/deflate"
)

// Client returns this module's echo client, as wstest.RunClient takes it:
// a wsnet.Conn from wsnet.Dial, echoing every message of up to maxMessage
// bytes until the server closes or ctx ends. With offer set, it offers
// permessage-deflate, which the Conn then does. The conformance tests of
// wstest and the peer comparison in bench/peers both run it.
func Client(offer *deflate.ClientOptions, maxMessage int64) func(ctx context.Context, url string) error {
	return func(ctx context.Context, url string) error {
		c, err := wsnet.Dial(ctx, url, &wsnet.DialOptions{
			Options:     wsnet.Options{MaxMessage: maxMessage},
			Compression: offer,
		})
		if err != nil {
			return err
		}
		defer c.CloseNow()
		defer context.AfterFunc(ctx, func() { c.CloseNow() })()
		var buf []byte
		for {
			op, msg, err := c.ReadMessage(context.Background(), buf[:0])
			if err != nil {
				return err
			}
			if err := c.WriteMessage(context.Background(), op, msg); err != nil {
				return err
			}
			buf = msg
		}
	}
}
