package handshake_test

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
	"github.com/wsframe/wsframe/handshake"
)

// seedServer is the seed article's server on net/http: it answers every
// text message with "Loud and clear!".
func seedServer(w http.ResponseWriter, r *http.Request) {
	conn, rw, err := handshake.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered with 400, 403 or 426
	}
	defer conn.Close()
	out := wsnet.NewWriter(conn, codec.RoleServer)
	in := wsnet.NewReader(rw.Reader, codec.RoleServer) // rw.Reader holds frames sent with the request
	in.Replies = out                                   // pongs, the close reply, and 1002/1007/1009 on bad input
	for {
		op, _, err := in.ReadMessage(nil)
		if err != nil {
			return // the client closed, or broke the protocol
		}
		if op == codec.OpText {
			out.WriteMessage(codec.OpText, []byte("Loud and clear!"))
		}
	}
}

// A server takes the connection over from a net/http handler with Upgrade
// and reads messages from the buffered reader it returns.
func ExampleUpgrade() {
	srv := httptest.NewServer(http.HandlerFunc(seedServer))
	defer srv.Close()
	reply, err := ask("ws"+strings.TrimPrefix(srv.URL, "http")+"/", "Can you hear me?")
	fmt.Println(reply, err)
	// Output: Loud and clear! <nil>
}

// ask is the client: it dials url, sends one text message and returns the
// answer.
func ask(url, question string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, rest, err := handshake.Dial(ctx, url, nil)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	out := wsnet.NewWriter(conn, codec.RoleClient)
	in := wsnet.NewReader(io.MultiReader(bytes.NewReader(rest), conn), codec.RoleClient) // rest: frames read with the reply
	in.Replies = out
	if err := out.WriteMessage(codec.OpText, []byte(question)); err != nil {
		return "", err
	}
	_, answer, err := in.ReadMessage(nil)
	out.WriteClose(codec.CloseNormal, "")
	return string(answer), err
}

// A client dials, writes and reads; the bytes Dial read past the server's
// reply are the start of the first frames.
func ExampleDial() {
	srv := httptest.NewServer(http.HandlerFunc(seedServer))
	defer srv.Close()
	answer, err := ask("ws"+strings.TrimPrefix(srv.URL, "http")+"/seed", "Can you hear me?")
	fmt.Println(answer, err)
	// Output: Loud and clear! <nil>
}
