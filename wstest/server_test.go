package wstest_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/internal/echo/engine"
	"github.com/wsframe/wsframe/wstest"
)

// TestCaseTable checks what the tables promise: unique IDs of the form
// the filters read, and every field filled in.
func TestCaseTable(t *testing.T) {
	id := regexp.MustCompile(`^(H2?|[0-9]+)(\.[0-9]+)*$`)
	seen := map[string]bool{}
	groups := map[string]bool{}
	for _, c := range wstest.Cases() {
		if !id.MatchString(c.ID) {
			t.Errorf("case ID %q has an unexpected form", c.ID)
		}
		if seen[c.ID] {
			t.Errorf("case ID %q appears twice", c.ID)
		}
		seen[c.ID] = true
		if c.Group == "" || c.Title == "" || c.RFC == "" || c.Expect == "" {
			t.Errorf("case %s lacks a field: %+v", c.ID, c)
		}
		groups[c.Group] = true
	}
	if len(seen) < 330 || len(groups) < 11 {
		t.Errorf("%d cases in %d groups", len(seen), len(groups))
	}
}

// startEcho serves this module's echo server (`wsbench serve`) with the
// given engine until the test ends, and returns its URL.
func startEcho(t *testing.T, name string, opts *deflate.ServerOptions) string {
	t.Helper()
	s := echo.NewServer(32<<20, 16<<10, 16<<10, nil)
	s.Deflate = opts
	addr, stop, err := engine.Listen(name, s, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(time.Second) })
	return "ws://" + addr.String() + "/"
}

// TestEchoServer runs every case against `wsbench serve`'s server, with
// each engine, and with permessage-deflate with and without context
// takeover: every case must pass, strictly.
func TestEchoServer(t *testing.T) {
	t.Parallel()
	for _, name := range engine.Available() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := startEcho(t, name, &deflate.ServerOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true})
			allPass(t)(wstest.Run(t.Context(), url, &wstest.Options{Deflate: true, Quiet: 250 * time.Millisecond}))
		})
	}
}

// TestEchoServerTakeover runs the RFC 7692 groups against `wsbench serve`
// with context takeover, with 15-bit windows and with 10-bit windows,
// whose compressor keeps only its window between messages.
func TestEchoServerTakeover(t *testing.T) {
	t.Parallel()
	for _, bits := range []int{15, 10} {
		url := startEcho(t, "goroutine", &deflate.ServerOptions{ServerMaxWindowBits: bits, ClientMaxWindowBits: bits})
		res, err := wstest.Run(t.Context(), url, &wstest.Options{Cases: []string{"12", "13"}, Deflate: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Verdict != wstest.Pass {
				t.Errorf("%d bits: %s (%s): %v: %s", bits, r.Case.ID, r.Case.Title, r.Verdict, r.Observed)
			}
		}
	}
}

// allPass returns a check of a run's results: every case passed, strictly
// or timed (INFO).
func allPass(t *testing.T) func([]wstest.Result, error) {
	return func(res []wstest.Result, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Verdict != wstest.Pass && r.Verdict != wstest.Info {
				t.Errorf("%s (%s): %v: %s", r.Case.ID, r.Case.Title, r.Verdict, r.Observed)
			}
		}
	}
}
