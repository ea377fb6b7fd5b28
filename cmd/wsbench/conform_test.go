package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/wstest"
)

// TestConformHTTP2 runs the whole suite, RFC 7692's groups included, with
// conform -http2 against serve -tls in this process, started with
// GODEBUG=http2xconnect=1: every case passes over HTTP/2 (the timed ones
// INFO), but the 11 HTTP/1.1 handshake cases, which do not apply there,
// and the table counts those apart.
func TestConformHTTP2(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	addr, printed, _ := startServe(t, "-tls")
	waitPrinted(t, printed, "WebSockets over HTTP/2 (RFC 8441) are on")
	url := "wss://" + addr + "/"
	var out, errb bytes.Buffer
	if code := run(bg(t), []string{"conform", "-url", url, "-http2", "-insecure", "-json"}, &out, &errb); code != 0 {
		t.Fatalf("conform -http2 exited %d: %s\n%s", code, errb.String(), out.String())
	}
	var res []wstest.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	notApplicable, h2 := 0, 0
	for _, r := range res {
		switch {
		case r.Verdict == wstest.Info && strings.HasPrefix(r.Observed, "not applicable over HTTP/2: "):
			notApplicable++
		case strings.HasPrefix(r.Case.ID, "H2."):
			h2++
			fallthrough
		default:
			if r.Verdict != wstest.Pass && (r.Verdict != wstest.Info || !strings.HasPrefix(r.Case.ID, "9.")) {
				t.Errorf("%s: %v: %s", r.Case.ID, r.Verdict, r.Observed)
			}
		}
	}
	if notApplicable != 11 || h2 != 6 || len(res) < 340 {
		t.Errorf("%d results, %d of group H2, %d not applicable; want 11 not applicable and 6 of H2", len(res), h2, notApplicable)
	}
	// The table counts the cases that do not apply apart.
	out.Reset()
	if code := run(bg(t), []string{"conform", "-url", url, "-http2", "-insecure", "-cases", "1.1.1,H.1,H2.1"}, &out, io.Discard); code != 0 ||
		!strings.Contains(out.String(), "2 passed, 0 failed (2 strict, 0 non-strict, 0 measured), 1 not applicable over HTTP/2") {
		t.Errorf("conform -http2 exited %d:\n%s", code, out.String())
	}
}

// TestConformFlags checks what conform says of flags that do not fit,
// and that -list shows group H2 only with -http2.
func TestConformFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-url", "ws://127.0.0.1:1/", "-insecure"}, "-insecure and -ca need a wss:// URL"},
		{[]string{"-url", "wss://127.0.0.1:1/", "-insecure", "-ca", "x.pem"}, "exclude each other"},
		{[]string{"-url", "wss://127.0.0.1:1/", "-ca", "testdata/none.pem"}, "-ca: open testdata/none.pem"},
	} {
		var errb bytes.Buffer
		if code := run(bg(t), append([]string{"conform"}, tc.args...), io.Discard, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("conform %q = %d, %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
	for _, http2 := range []bool{false, true} {
		var out bytes.Buffer
		args := []string{"conform", "-list", "-cases", "H2"}
		if http2 {
			args = append(args, "-http2")
		}
		code := run(bg(t), args, &out, io.Discard)
		n := 0
		for line := range strings.Lines(out.String()) {
			if strings.HasPrefix(line, "H2.") {
				n++
			}
		}
		if want := map[bool]int{false: 0, true: 6}[http2]; code != 0 || n != want {
			t.Errorf("conform %q: %d\n%s", args, code, out.String())
		}
	}
}
