package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/internal/codecbench"
	"github.com/wsframe/wsframe/internal/echo/engine"
	"github.com/wsframe/wsframe/internal/loadgen"
	"github.com/wsframe/wsframe/wstest"
)

func bg(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
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
	if len(res.Codec.Mask) != len(codecbench.MaskSizes) || len(res.Codec.Header) != 6 || len(res.Codec.UTF8) != 4 {
		t.Fatalf("codec rows: %d mask, %d header, %d UTF-8", len(res.Codec.Mask), len(res.Codec.Header), len(res.Codec.UTF8))
	}
	for _, r := range res.Codec.Mask {
		if !(r.Mask > 0 && r.MaskCopy > 0 && r.Copy > 0) {
			t.Errorf("row %+v has a non-positive throughput", r)
		}
	}
	if len(res.Echo) != len(quickEcho.Conns)*len(quickEcho.Sizes) {
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

// TestUsageErrors checks that a bad command line exits 2 with one line
// that names what is wrong.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nosuchflag"}, "-nosuchflag"},
		{[]string{"nosuchcommand"}, `unknown command "nosuchcommand"`},
		{[]string{"client"}, "-url is required"},
		{[]string{"client", "-url", "127.0.0.1:9377"}, "ws:// or wss:// URL"},
		{[]string{"client", "-url", "ws://x/", "-conns", "0"}, "-conns must be at least 1"},
		{[]string{"client", "-url", "ws://x/", "-payload", "lorem"}, "-payload must be pattern or json"},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "-engine", "foo"}, `-engine must be epoll or goroutine, not "foo"`},
		{[]string{"serve", "-deflate-window", "20"}, "-deflate-window must be from 8 to 15"},
		{[]string{"serve", "-max-message", "0"}, "-max-message must be positive"},
		{[]string{"client", "-url", "ws://x/", "-http2"}, "need a wss:// URL"},
		{[]string{"client", "-url", "wss://x/", "-http2-own"}, "-http2-own needs -http2"},
		{[]string{"client", "-url", "wss://x/", "-insecure", "-ca", "x.pem"}, "exclude each other"},
		{[]string{"client", "-url", "wss://x/", "-ca", "testdata/none.pem"}, "-ca: open testdata/none.pem"},
		{[]string{"serve", "-tls", "-engine", "epoll"}, "-tls needs -engine goroutine"},
		{[]string{"serve", "-cert", "c.pem", "-key", "k.pem"}, "-cert and -key need -tls"},
		{[]string{"serve", "-tls", "-cert", "c.pem"}, "-cert and -key go together"},
		{[]string{"conform"}, "-url is required"},
		{[]string{"conform", "-url", "ws://127.0.0.1:1/", "-cases", "99.9"}, "no case matches"},
	} {
		var out, errb bytes.Buffer
		code := run(bg(t), tc.args, &out, &errb)
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		if code != 2 || !strings.Contains(errb.String(), tc.want) || (tc.args[0] != "nosuchcommand" && len(lines) != 1) {
			t.Errorf("run(%q) = %d, stderr %q; want 2 and one line with %q", tc.args, code, errb.String(), tc.want)
		}
	}
	var errb bytes.Buffer
	if code := run(bg(t), []string{"serve", "-h"}, io.Discard, &errb); code != 0 || !strings.Contains(errb.String(), "-deflate-window") {
		t.Errorf("serve -h: %d, %q", code, errb.String())
	}
}

func TestParseClientFlags(t *testing.T) {
	cfg, asJSON, _, ok := parseClientFlags([]string{"-url", "ws://127.0.0.1:1/x", "-conns", "8", "-size", "1024",
		"-duration", "3s", "-pipeline", "4", "-binary", "-rate", "5000", "-deflate", "-payload", "json", "-json"}, io.Discard)
	want := loadgen.Config{URL: "ws://127.0.0.1:1/x", Conns: 8, Size: 1024, Duration: 3 * time.Second, Pipeline: 4, Binary: true, Rate: 5000, Deflate: true, Payload: loadgen.PayloadJSON}
	if !ok || cfg != want || !asJSON {
		t.Errorf("parseClientFlags = %+v, %v, %v; want %+v", cfg, asJSON, ok, want)
	}
	cfg, _, _, _ = parseClientFlags([]string{"-url", "ws://h/"}, io.Discard)
	if cfg.Conns != 1 || cfg.Size != 16 || cfg.Pipeline != 1 || cfg.Binary || cfg.Duration != 5*time.Second || cfg.Payload != loadgen.PayloadPattern {
		t.Errorf("defaults = %+v", cfg)
	}
	for _, bad := range [][]string{{}, {"-url", "ws://h/", "-size", "-1"}, {"-url", "ws://h/", "-duration", "0s"}, {"-url", "ws://h/", "-pipeline", "0"}, {"-url", "ws://h/", "-rate", "-1"}, {"-url", "http://h/"}} {
		if _, _, code, ok := parseClientFlags(bad, io.Discard); ok || code != 2 {
			t.Errorf("parseClientFlags(%q) accepted", bad)
		}
	}
}

// startServe runs `wsbench serve -addr 127.0.0.1:0` in process and returns
// its address (that of http://, or https:// with -tls), what it has
// printed so far, and a function that stops it and returns its exit code.
func startServe(t *testing.T, args ...string) (addr string, printed func() string, stop func() int) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, append([]string{"serve", "-addr", "127.0.0.1:0", "-grace", "2s"}, args...), pw, io.Discard)
		pw.Close()
	}()
	line := make([]byte, 512)
	n, err := pr.Read(line)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`https?://([0-9.:]+)/`).FindSubmatch(line[:n])
	if m == nil {
		t.Fatalf("serve printed %q", line[:n])
	}
	var mu sync.Mutex
	out := bytes.NewBuffer(line[:n])
	go func() {
		b := make([]byte, 512)
		for {
			n, err := pr.Read(b)
			mu.Lock()
			out.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	printed = func() string {
		mu.Lock()
		defer mu.Unlock()
		return out.String()
	}
	var once sync.Once
	exit := -1
	stop = func() int {
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
	t.Cleanup(func() { stop() })
	return string(m[1]), printed, stop
}

// TestCommands runs serve, then client and conform against it, through
// the command line.
func TestCommands(t *testing.T) {
	for _, name := range engine.Available() {
		t.Run(name, func(t *testing.T) {
			addr, _, stop := startServe(t, "-engine", name)
			url := "ws://" + addr + "/"
			var out bytes.Buffer
			if code := run(bg(t), []string{"client", "-url", url, "-duration", "200ms", "-json"}, &out, io.Discard); code != 0 {
				t.Fatalf("client exited %d: %s", code, out.String())
			}
			var res loadgen.Result
			if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Messages == 0 {
				t.Fatalf("client printed %s (%v)", out.String(), err)
			}
			out.Reset()
			if code := run(bg(t), []string{"conform", "-url", url, "-cases", "1.1,7.9,H.3", "-json"}, &out, io.Discard); code != 0 {
				t.Fatalf("conform exited %d: %s", code, out.String())
			}
			var results []wstest.Result
			if err := json.Unmarshal(out.Bytes(), &results); err != nil || len(results) != 8+12+1 {
				t.Fatalf("%d results, %v", len(results), err)
			}
			if code := stop(); code != 0 {
				t.Errorf("serve exited %d", code)
			}
			// Against nothing: the client prints only why, and both fail.
			var errb bytes.Buffer
			out.Reset()
			if code := run(bg(t), []string{"client", "-url", url, "-duration", "100ms"}, &out, &errb); code != 1 || out.Len() > 0 || !strings.Contains(errb.String(), "could not connect") {
				t.Errorf("client against a stopped server: %d, stdout %q, stderr %q", code, out.String(), errb.String())
			}
			if code := run(bg(t), []string{"conform", "-url", url, "-cases", "2.1", "-timeout", "500ms"}, io.Discard, io.Discard); code != 1 {
				t.Errorf("conform against nothing exited %d; want 1", code)
			}
		})
	}
}

func TestConformList(t *testing.T) {
	var out bytes.Buffer
	if code := run(bg(t), []string{"conform", "-list"}, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "6.6.37") || !strings.Contains(out.String(), "12.1.1.1") {
		t.Errorf("conform -list: %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run(bg(t), []string{"conform", "-list", "-deflate=false", "-cases", "6.4"}, &out, io.Discard); code != 0 || strings.Count(out.String(), "\n") != 2 {
		t.Errorf("conform -list -cases 6.4: %d\n%s", code, out.String())
	}
}

// TestConformInterrupted interrupts a run against a server that accepts
// connections and never answers: conform must stop within a second of
// the signal and print the cases that ran.
func TestConformInterrupted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithCancel(bg(t))
	time.AfterFunc(1500*time.Millisecond, cancel)
	var out, errb bytes.Buffer
	start := time.Now()
	code := run(ctx, []string{"conform", "-url", "ws://" + ln.Addr().String() + "/", "-timeout", "600ms"}, &out, &errb)
	if d := time.Since(start); code != 1 || d > 2500*time.Millisecond {
		t.Errorf("conform ended after %v with %d; want 1 within a second of the interrupt", d, code)
	}
	if !strings.Contains(out.String(), "case  ") || !strings.Contains(out.String(), "FAIL") || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("stdout %q\nstderr %q", out.String(), errb.String())
	}
}

func TestPrintConformCuts(t *testing.T) {
	c := wstest.Cases()[0]
	var out bytes.Buffer
	printConform(&out, []wstest.Result{{Case: c, Verdict: wstest.Fail, Observed: strings.Repeat("very long observation ", 50)}}, 100)
	for line := range strings.Lines(out.String()) {
		if n := len([]rune(strings.TrimRight(line, "\n"))); n > 100 {
			t.Errorf("a line of %d columns: %q", n, line)
		}
	}
}

func TestSizeName(t *testing.T) {
	for n, want := range map[int]string{16: "16 B", 1000: "1000 B", 1024: "1 KiB", 64 << 10: "64 KiB", 1 << 20: "1 MiB"} {
		if got := sizeName(n); got != want {
			t.Errorf("sizeName(%d) = %q; want %q", n, got, want)
		}
	}
}

// TestDocUsage checks the command lines of the package doc: each names a
// command that exists, with flags it has.
func TestDocUsage(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	usage := regexp.MustCompile(`(?m)^//\twsbench(.*)$`).FindAllStringSubmatch(string(src), -1)
	if len(usage) < 4 {
		t.Fatalf("%d usage lines in the doc", len(usage))
	}
	for _, u := range usage {
		args := strings.Fields(u[1])
		var cmd []string
		if len(args) > 0 && !strings.HasPrefix(args[0], "[") && !strings.HasPrefix(args[0], "-") {
			cmd = args[:1]
		}
		var help bytes.Buffer
		if code := run(bg(t), append(cmd, "-h"), io.Discard, &help); code != 0 {
			t.Errorf("wsbench %v -h exited %d", cmd, code)
		}
		for _, flag := range regexp.MustCompile(`-[a-z][a-z0-9-]*`).FindAllString(u[1], -1) {
			if !regexp.MustCompile(`(?m)^  ` + flag + `\s`).MatchString(help.String()) {
				t.Errorf("the doc shows wsbench %v %s, which -h does not list:\n%s", cmd, flag, help.String())
			}
		}
	}
}
