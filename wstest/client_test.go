package wstest_test

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/wstest"
)

// echoClient is this module's client: handshake.Dial with codec's Reader
// and Writer, and permessage-deflate when offer is set.
func echoClient(offer *deflate.ClientOptions) wstest.EchoClient {
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
		w := codec.NewWriter(conn, codec.RoleClient)
		r := codec.NewReader(io.MultiReader(bytes.NewReader(rest), conn), codec.RoleClient)
		r.Replies, r.MaxMessage = w, 32<<20
		if ext := conn.(*handshake.ClientConn).Extensions(); offer != nil && ext != "" {
			p, ok, err := deflate.ParseResponse([]byte(ext), *offer)
			if err != nil {
				return err
			}
			if ok {
				r.Decompress = deflate.NewDecompressor(p, codec.RoleClient, 32<<20)
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

// TestOwnClient runs every client case against this module's client,
// offering compression as Chromium does, then without compression: every
// case passes strictly.
func TestOwnClient(t *testing.T) {
	t.Parallel()
	t.Run("deflate", func(t *testing.T) {
		wstest.TestClient(t, echoClient(&deflate.ClientOptions{}), &wstest.Options{Deflate: true})
	})
	t.Run("plain", func(t *testing.T) {
		res, err := wstest.RunClient(t.Context(), echoClient(nil), &wstest.Options{Deflate: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Verdict != wstest.Pass && r.Verdict != wstest.Info {
				t.Errorf("%s (%s): %v: %s", r.Case.ID, r.Case.Title, r.Verdict, r.Observed)
			}
		}
	})
}

func TestClientCaseTable(t *testing.T) {
	id := regexp.MustCompile(`^(H|M|[0-9]+)(\.[0-9]+)*$`)
	seen := map[string]bool{}
	for _, c := range wstest.ClientCases() {
		if !id.MatchString(c.ID) || seen[c.ID] {
			t.Errorf("client case ID %q is malformed or repeated", c.ID)
		}
		seen[c.ID] = true
		if c.Group == "" || c.Title == "" || c.RFC == "" || c.Expect == "" {
			t.Errorf("client case %s lacks a field: %+v", c.ID, c)
		}
	}
}
