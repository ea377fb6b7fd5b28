package wstest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/wsframe/wsframe/wstest"
)

// echoHandler stands for the server under test: any library's echo
// handler. This one is a wsnet.Conn of this module; with gorilla/websocket
// it would be an Upgrader and a loop of NextReader and NextWriter.
func echoHandler(w http.ResponseWriter, r *http.Request) {
	c, err := wsnet.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	var msg []byte
	for {
		op, p, err := c.ReadMessage(r.Context(), msg[:0])
		if err != nil {
			return // the Conn answered the close frame or the protocol error
		}
		if err := c.WriteMessage(r.Context(), op, p); err != nil {
			return
		}
		msg = p
	}
}

// TestConformance is what a library's own tests hold to run the suite
// against its echo server from go test, each case a subtest named by its
// ID; the package documentation and the README show it.
func TestConformance(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(echoHandler))
	defer srv.Close()
	wstest.TestServer(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/", &wstest.Options{Deflate: true})
}

// Run returns the results, for a report of one's own.
func ExampleRun() {
	srv := httptest.NewServer(http.HandlerFunc(echoHandler))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/"

	res, err := wstest.Run(context.Background(), url, &wstest.Options{Cases: []string{"1", "2", "3", "4", "5"}, Quiet: 100 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	passed := 0
	for _, r := range res {
		if r.Verdict == wstest.Pass {
			passed++
		} else {
			fmt.Printf("%s %v: %s\n", r.Case.ID, r.Verdict, r.Observed)
		}
	}
	fmt.Printf("%d of %d cases passed\n", passed, len(res))
	// Output: 65 of 65 cases passed
}

// RunClient tests a client: the function dials the URL it is given and
// echoes until the server closes. This one is this module's client.
func ExampleRunClient() {
	echo := func(ctx context.Context, url string) error {
		c, err := wsnet.Dial(ctx, url, nil)
		if err != nil {
			return err
		}
		defer c.CloseNow()
		for {
			op, p, err := c.ReadMessage(ctx, nil)
			if err != nil {
				return err
			}
			if err := c.WriteMessage(ctx, op, p); err != nil {
				return err
			}
		}
	}
	res, err := wstest.RunClient(context.Background(), echo, &wstest.Options{Cases: []string{"1", "2", "6", "7", "H"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	failed := 0
	for _, r := range res {
		if r.Verdict == wstest.Fail {
			failed++
			fmt.Printf("%s: %s\n", r.Case.ID, r.Observed)
		}
	}
	fmt.Printf("%d cases, %d failed\n", len(res), failed)
	// Output: 61 cases, 0 failed
}
