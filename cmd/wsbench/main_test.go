package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

func bg(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRunJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(bg(t), []string{"-quick", "-json"}, &out, &errb); code != 0 {
		t.Fatalf("run exited %d: %s", code, errb.String())
	}
	var res Report
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if len(res.Codec.Mask) != len(maskSizes) || len(res.Codec.Header) != 6 || len(res.Codec.UTF8) != 4 {
		t.Fatalf("codec rows: %d mask, %d header, %d UTF-8", len(res.Codec.Mask), len(res.Codec.Header), len(res.Codec.UTF8))
	}
	for _, r := range res.Codec.Mask {
		if !(r.Mask > 0 && r.MaskCopy > 0 && r.Copy > 0) {
			t.Errorf("row %+v has a non-positive throughput", r)
		}
	}
	if len(res.Echo) != len(quickEchoConfig.Conns)*len(quickEchoConfig.Sizes) {
		t.Fatalf("%d echo rows", len(res.Echo))
	}
	for _, e := range res.Echo {
		if e.Messages == 0 || e.Failed() || e.P50us <= 0 {
			t.Errorf("echo row %+v", e)
		}
	}
}

func TestRunTableAndProgress(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(bg(t), []string{"-quick"}, &out, &errb); code != 0 {
		t.Fatalf("run exited %d: %s", code, errb.String())
	}
	for _, want := range []string{"Mask (in place)", "copy()", "1 MiB", "ParseHeader", "msgs/s", "allocs/msg", "ValidUTF8", "utf8.Valid"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// stderr is not a terminal here: progress comes as plain lines.
	if !strings.Contains(errb.String(), "echo: 1 conns x 16 B messages\n") || strings.Contains(errb.String(), "\r") {
		t.Errorf("progress on a pipe = %q", errb.String())
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"-nosuchflag"}, {"nosuchcommand"}, {"client"}, {"client", "-url", "ws://x", "-conns", "0"}, {"serve", "extra"}} {
		var out, errb bytes.Buffer
		if code := run(bg(t), args, &out, &errb); code != 2 {
			t.Errorf("run(%q) = %d; want 2 (stderr %q)", args, code, errb.String())
		}
	}
}

func TestParseClientFlags(t *testing.T) {
	cfg, asJSON, err := parseClientFlags([]string{"-url", "ws://127.0.0.1:1/x", "-conns", "8", "-size", "1024",
		"-duration", "3s", "-pipeline", "4", "-binary", "-rate", "5000", "-deflate", "-payload", "json", "-json"}, io.Discard)
	want := clientConfig{URL: "ws://127.0.0.1:1/x", Conns: 8, Size: 1024, Duration: 3 * time.Second, Pipeline: 4, Binary: true, Rate: 5000, Deflate: true, Payload: payloadJSON}
	if err != nil || cfg != want || !asJSON {
		t.Errorf("parseClientFlags = %+v, %v, %v; want %+v", cfg, asJSON, err, want)
	}
	cfg, _, _ = parseClientFlags([]string{"-url", "ws://h/"}, io.Discard)
	if cfg.Conns != 1 || cfg.Size != 16 || cfg.Pipeline != 1 || cfg.Binary || cfg.Duration != 5*time.Second || cfg.Payload != payloadPattern {
		t.Errorf("defaults = %+v", cfg)
	}
	for _, bad := range [][]string{{}, {"-url", "ws://h/", "-size", "-1"}, {"-url", "ws://h/", "-duration", "0s"}, {"-url", "ws://h/", "-pipeline", "0"}, {"-url", "ws://h/", "-rate", "-1"}, {"-url", "ws://h/", "-payload", "lorem"}} {
		if _, _, err := parseClientFlags(bad, io.Discard); err == nil {
			t.Errorf("parseClientFlags(%q) accepted", bad)
		}
	}
}

// startServe runs `wsbench serve -addr 127.0.0.1:0` in process and returns
// its address and a function that stops it and returns its exit code.
func startServe(t *testing.T, args ...string) (string, func() int) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, append([]string{"serve", "-addr", "127.0.0.1:0", "-grace", "2s"}, args...), pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`http://([0-9.:]+)/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("serve printed %q", line)
	}
	go io.Copy(io.Discard, pr)
	var once sync.Once
	exit := -1
	stop := func() int {
		once.Do(func() {
			cancel()
			select {
			case exit = <-code:
			case <-time.After(10 * time.Second):
				t.Error("serve did not stop")
			}
		})
		return exit
	}
	t.Cleanup(func() { cancel() })
	return m[1], stop
}

// TestServeAndClient runs the load generator against `wsbench serve` for a
// short, bounded time and checks the counts.
func TestServeAndClient(t *testing.T) {
	for _, engine := range []string{engineGoroutine, defaultEngine()} {
		t.Run(engine, func(t *testing.T) { serveAndClient(t, engine) })
	}
}

func serveAndClient(t *testing.T, engine string) {
	addr, stop := startServe(t, "-engine", engine)
	for _, tc := range []clientConfig{
		{Conns: 3, Size: 16, Duration: 300 * time.Millisecond, Pipeline: 1},
		{Conns: 2, Size: 70000, Duration: 300 * time.Millisecond, Pipeline: 4, Binary: true},
		{Conns: 2, Size: 1000, Duration: 300 * time.Millisecond, Rate: 2000},
		{Conns: 2, Size: 5000, Duration: 300 * time.Millisecond, Pipeline: 2, Deflate: true},
		{Conns: 1, Size: 200000, Duration: 300 * time.Millisecond, Binary: true, Deflate: true},
		{Conns: 1, Size: 16, Duration: 200 * time.Millisecond, Deflate: true},
		{Conns: 2, Size: 4096, Duration: 300 * time.Millisecond, Deflate: true, Payload: payloadJSON},
	} {
		tc.URL = "ws://" + addr + "/echo"
		res := runClient(bg(t), tc, nil)
		if res.Failed() || res.Messages == 0 {
			t.Fatalf("%+v: %+v", tc, res)
		}
		if tc.Deflate != strings.HasPrefix(res.Deflate, "permessage-deflate") {
			t.Errorf("%+v: negotiated %q", tc, res.Deflate)
		}
		// The wire ratios the client reports: messages under 64 bytes go
		// out plain both ways; the letter pattern shrinks to a few
		// percent; the JSON feed to between a tenth and a half.
		if tc.Deflate {
			lo, hi := 0.0, 0.1
			switch {
			case tc.Size < 64:
				lo, hi = 1, 1
			case tc.Payload == payloadJSON:
				lo, hi = 0.1, 0.5
			}
			for _, r := range []float64{res.SentWireRatio, res.EchoWireRatio} {
				if r < lo || r > hi {
					t.Errorf("%+v: wire ratios %.3f sent, %.3f echoed; want %.2f to %.2f", tc, res.SentWireRatio, res.EchoWireRatio, lo, hi)
				}
			}
		}
		if tc.Rate > 0 && (res.MsgsPerS < tc.Rate*0.5 || res.MsgsPerS > tc.Rate*1.2) {
			t.Errorf("open loop at %v msgs/s measured %.0f", tc.Rate, res.MsgsPerS)
		}
		if res.P50us <= 0 || res.P99us < res.P50us || res.MaxUs < res.P99us {
			t.Errorf("latencies %+v", res)
		}
	}
	// The same through the command line.
	var out bytes.Buffer
	if code := run(bg(t), []string{"client", "-url", "ws://" + addr + "/", "-duration", "200ms", "-json"}, &out, io.Discard); code != 0 {
		t.Fatalf("client exited %d: %s", code, out.String())
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d", code)
	}
	// A client against nothing fails, with status 1.
	if code := run(bg(t), []string{"client", "-url", "ws://" + addr + "/", "-duration", "100ms"}, io.Discard, io.Discard); code != 1 {
		t.Errorf("client against a stopped server exited %d; want 1", code)
	}
}

// TestDemoPageAndSeed fetches the demo page and talks to /seed as the
// page does, over a real connection with this module's client.
func TestDemoPageAndSeed(t *testing.T) {
	for _, engine := range []string{engineGoroutine, defaultEngine()} {
		t.Run(engine, func(t *testing.T) { demoPageAndSeed(t, engine) })
	}
}

func demoPageAndSeed(t *testing.T, engine string) {
	addr, stop := startServe(t, "-engine", engine)
	defer stop()
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `"/seed"`) || !strings.Contains(string(page), "Can you hear me?") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("demo page: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	exchange := func(path string, op codec.Opcode, send string) (codec.Opcode, string) {
		conn, rest, err := handshake.Dial(bg(t), "ws://"+addr+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		w := codec.NewWriter(conn, codec.RoleClient)
		r := codec.NewReader(io.MultiReader(bytes.NewReader(rest), conn), codec.RoleClient)
		r.Replies = w
		if err := w.WriteMessage(op, []byte(send)); err != nil {
			t.Fatal(err)
		}
		gotOp, msg, err := r.ReadMessage(nil)
		if err != nil {
			t.Fatal(err)
		}
		w.WriteClose(codec.CloseNormal, "")
		return gotOp, string(msg)
	}
	if op, msg := exchange("/seed", codec.OpText, "Can you hear me?"); op != codec.OpText || msg != "Loud and clear!" {
		t.Errorf("/seed answered %v %q", op, msg)
	}
	if op, msg := exchange("/seed", codec.OpText, "anything at all"); msg != "Loud and clear!" {
		t.Errorf("/seed answered %v %q to another text", op, msg)
	}
	if op, msg := exchange("/echo", codec.OpText, "Can you hear me?"); op != codec.OpText || msg != "Can you hear me?" {
		t.Errorf("/echo answered %v %q", op, msg)
	}
	if op, msg := exchange("/", codec.OpBinary, "\x00\x01"); op != codec.OpBinary || msg != "\x00\x01" {
		t.Errorf("/ echoed %v %q", op, msg)
	}
}

// TestShutdownSendsGoingAway checks that stopping the server sends close
// 1001 to an open connection.
func TestShutdownSendsGoingAway(t *testing.T) {
	for _, engine := range []string{engineGoroutine, defaultEngine()} {
		t.Run(engine, func(t *testing.T) { shutdownSendsGoingAway(t, engine) })
	}
}

func shutdownSendsGoingAway(t *testing.T, engine string) {
	addr, stop := startServe(t, "-engine", engine)
	conn, rest, err := handshake.Dial(bg(t), "ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := codec.NewReader(io.MultiReader(bytes.NewReader(rest), conn), codec.RoleClient)
	r.Replies = codec.NewWriter(conn, codec.RoleClient)
	done := make(chan error, 1)
	go func() { _, _, err := r.ReadMessage(nil); done <- err }()
	time.Sleep(50 * time.Millisecond)
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d", code)
	}
	err = <-done
	var ce *codec.ClosedError
	if !asClosed(err, &ce) || ce.Code != codec.CloseGoingAway {
		t.Errorf("client saw %v; want close 1001", err)
	}
}

func asClosed(err error, ce **codec.ClosedError) bool {
	e, ok := err.(*codec.ClosedError)
	*ce = e
	return ok
}

func TestSizeName(t *testing.T) {
	for n, want := range map[int]string{16: "16 B", 1000: "1000 B", 1024: "1 KiB", 64 << 10: "64 KiB", 1 << 20: "1 MiB"} {
		if got := sizeName(n); got != want {
			t.Errorf("sizeName(%d) = %q; want %q", n, got, want)
		}
	}
}

// TestConformAgainstServe runs the whole conformance catalogue against
// `wsbench serve`, with each engine: every case must pass strictly.
func TestConformAgainstServe(t *testing.T) {
	if testing.Short() {
		t.Skip("the full catalogue takes several seconds")
	}
	engines := []string{engineGoroutine}
	if haveEpoll {
		engines = append(engines, engineEpoll)
	}
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) { conformServe(t, nil, "-engine", engine) })
	}
	// The permessage-deflate cases again, with context takeover.
	t.Run("deflate-takeover", func(t *testing.T) { conformServe(t, []string{"12", "13"}, "-deflate-takeover") })
	// And with small windows, whose compressor keeps only the window.
	t.Run("deflate-takeover-window", func(t *testing.T) {
		conformServe(t, []string{"12", "13"}, "-deflate-takeover", "-deflate-window", "10")
	})
}

func conformServe(t *testing.T, filters []string, args ...string) {
	addr, stop := startServe(t, args...)
	defer stop()
	res, err := runConform(bg(t), "ws://"+addr+"/", filters, 10*time.Second, 500*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if filters == nil && len(res) < 300 || len(res) < 100 {
		t.Fatalf("only %d cases ran", len(res))
	}
	groups := map[string]bool{}
	for _, r := range res {
		groups[strings.Split(r.ID, ".")[0]] = true
		if r.Verdict != verdictPass && r.Verdict != verdictInfo {
			t.Errorf("case %s (%s): %s: %s", r.ID, r.Desc, r.Verdict, r.Observed)
		}
	}
	want := []string{"1", "2", "3", "4", "5", "6", "7", "9", "12", "13", "H"}
	if filters != nil {
		want = filters
	}
	for _, g := range want {
		if !groups[g] {
			t.Errorf("no case of group %s ran", g)
		}
	}
}

func TestConformCommand(t *testing.T) {
	addr, stop := startServe(t)
	defer stop()
	var out bytes.Buffer
	if code := run(bg(t), []string{"conform", "-url", "ws://" + addr + "/", "-cases", "1.1,7.9,H.3", "-json"}, &out, io.Discard); code != 0 {
		t.Fatalf("conform exited %d: %s", code, out.String())
	}
	var res []ConformResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || len(res) != 8+12+1 {
		t.Fatalf("%d results, %v", len(res), err)
	}
	out.Reset()
	if code := run(bg(t), []string{"conform", "-list"}, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "6.6.37") {
		t.Errorf("conform -list: %d", code)
	}
	// A server that is not there fails every case: status 1.
	stop()
	if code := run(bg(t), []string{"conform", "-url", "ws://" + addr + "/", "-cases", "2.1", "-timeout", "500ms", "-quiet", "100ms"}, io.Discard, io.Discard); code != 1 {
		t.Errorf("conform against nothing exited %d; want 1", code)
	}
}

// TestServeAllocs runs the client against an in-process `wsbench serve`
// and counts the heap allocations of the whole process, server and client
// together, while messages are echoed: plain or compressed, small or
// large, for both engines. A new connection's buffers grow to the size of
// its messages during its first few, so each connection may allocate a
// some dozens of times; an allocation per message would be hundreds.
func TestServeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	const perConn = 64
	for _, engine := range []string{engineGoroutine, defaultEngine()} {
		t.Run(engine, func(t *testing.T) {
			addr, stop := startServe(t, "-engine", engine)
			defer stop()
			for _, tc := range []clientConfig{
				{Conns: 4, Size: 16},
				{Conns: 2, Size: 64 << 10, Binary: true},
				{Conns: 2, Size: 1 << 10, Deflate: true, Payload: payloadJSON},
				{Conns: 2, Size: 64 << 10, Deflate: true, Payload: payloadJSON, Duration: 1500 * time.Millisecond},
				{Conns: 1, Size: 200 << 10, Pipeline: 2, Binary: true},
			} {
				tc.URL = "ws://" + addr + "/"
				if tc.Duration == 0 {
					tc.Duration = 500 * time.Millisecond
				}
				res := runClient(bg(t), tc, nil)
				if res.Failed() || res.Messages < 150*uint64(tc.Conns) {
					t.Fatalf("%+v: %+v", tc, res)
				}
				n := res.AllocsPerMsg * float64(res.Messages)
				t.Logf("%d conns x %d B, deflate %v: %.0f allocations in %d messages", tc.Conns, tc.Size, tc.Deflate, n, res.Messages)
				if n > perConn*float64(tc.Conns) {
					t.Errorf("%d conns x %d B, deflate %v: %.0f allocations in %d messages; want at most %d per connection",
						tc.Conns, tc.Size, tc.Deflate, n, res.Messages, perConn)
				}
			}
		})
	}
}
