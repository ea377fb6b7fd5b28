package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/testenv"
)

// Node's ws, pinned in testdata/node/package-lock.json and installed there
// with npm ci.
var nodePeer = scriptPeer{
	name:    "Node's ws",
	install: "cd interop/testdata/node && npm ci",
	prog:    "node",
	client:  "testdata/node/client.js",
	server:  "testdata/node/server.js",
}

func needNode(t *testing.T) {
	t.Helper()
	testenv.NeedCommand(t, "node", "apt-get install nodejs npm")
	_, err := os.Stat("testdata/node/node_modules/ws/package.json")
	need(t, err == nil, nodePeer.name, nodePeer.install)
}

// TestNodeClient runs ws's client against wsbench serve.
func TestNodeClient(t *testing.T) {
	needNode(t)
	r := testPeerClients(t, nodePeer)
	// The installed ws must be the pinned one, or the test says nothing
	// about the version .ci/run installs.
	var pkg struct{ Dependencies map[string]string }
	b, err := os.ReadFile("testdata/node/package.json")
	if err == nil {
		err = json.Unmarshal(b, &pkg)
	}
	if err != nil {
		t.Fatal(err)
	}
	if want := pkg.Dependencies["ws"]; r.Version != want {
		t.Errorf("ws %s is installed, package.json pins %s: run %s", r.Version, want, nodePeer.install)
	}
}

// TestNodeServerClose checks that ws's client sees the close 1001 that
// wsbench serve sends when it is interrupted.
func TestNodeServerClose(t *testing.T) {
	needNode(t)
	testServerInitiatedClose(t, nodePeer)
}

// TestNodeServer runs this module's client against ws's server.
func TestNodeServer(t *testing.T) {
	needNode(t)
	testPeerServer(t, nodePeer)
}

// The rest of this file is shared with python_test.go: every peer has a
// client script and a server script that speak the same command line and
// JSON.

// scriptPeer says how to run a peer's scripts.
type scriptPeer struct {
	name    string // for messages
	install string // how to install it, for need
	prog    string // interpreter
	client  string // script: client MODE URL, modes matrix, seed and wait
	server  string // script: server PORT OUTFILE
}

// peerClose is a close frame as a peer script reports it.
type peerClose struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// peerReport is the JSON line a peer client prints last.
type peerReport struct {
	Peer       string          `json:"peer"`
	Version    string          `json:"version"`
	Extensions json.RawMessage `json:"extensions"`
	Cases      []struct {
		Name   string `json:"name"`
		OK     bool   `json:"ok"`
		Detail string `json:"detail"`
	} `json:"cases"`
	Close *peerClose `json:"close"`
	OK    bool       `json:"ok"`
	Error string     `json:"error"`

	// seed mode
	Reply  string `json:"reply"`
	Binary bool   `json:"binary"`

	// wait mode
	Event  string `json:"event"`
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// peerCases are the cases every client's matrix must report, in order.
var peerCases = []string{
	"text/0", "binary/0", "text/125", "binary/125", "text/126", "binary/126",
	"text/65535", "binary/65535", "text/65536", "binary/65536",
	"text/1048579", "binary/1048579",
	"fragmented/text", "fragmented/binary", "ping", "close",
}

// peerTimeout bounds each run of a peer script.
const peerTimeout = 90 * time.Second

// runPeerClient runs p's client script to its end and returns the JSON
// line it printed last. A script that fails still reports what failed in
// that line; runPeerClient fails the test at once only when there is none.
func runPeerClient(t *testing.T, p scriptPeer, mode, url string) (peerReport, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.prog, p.client, mode, url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	var r peerReport
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &r); jerr != nil {
		t.Fatalf("%s client %s %s: %v, %v\nstdout:\n%s\nstderr:\n%s", p.name, mode, url, err, jerr, stdout.Bytes(), stderr.Bytes())
	}
	if err != nil || stderr.Len() > 0 {
		t.Logf("%s client %s: %v\nstderr:\n%s", p.name, mode, err, stderr.Bytes())
	}
	return r, err
}

// serveModes are the ways the peer clients meet wsbench serve: with
// permessage-deflate accepted (the default: no context takeover), with
// context takeover kept in both directions, and with it declined.
var serveModes = []struct {
	name     string
	args     []string
	compress bool
}{
	{"deflate", nil, true},
	{"deflate-takeover", []string{"-deflate-takeover"}, true},
	{"no-deflate", []string{"-deflate=false"}, false},
}

// testPeerClients runs testPeerClient against wsbench serve in each of
// serveModes and returns the last report.
func testPeerClients(t *testing.T, p scriptPeer) peerReport {
	var r peerReport
	for _, m := range serveModes {
		t.Run(m.name, func(t *testing.T) { r = testPeerClient(t, p, startServe(t, m.args...).addr, m.compress) })
	}
	return r
}

// testPeerClient runs p's client matrix and seed check against wsbench
// serve at addr, and returns the matrix's report. compress says whether
// the server accepts permessage-deflate, which both clients offer.
func testPeerClient(t *testing.T, p scriptPeer, addr string, compress bool) peerReport {
	t.Helper()
	r, err := runPeerClient(t, p, "matrix", "ws://"+addr+"/matrix")
	t.Logf("%s %s", r.Peer, r.Version)
	if r.Error != "" {
		t.Fatalf("%s client failed: %s", p.name, r.Error)
	}
	var names []string
	for _, c := range r.Cases {
		names = append(names, c.Name)
		if !c.OK {
			t.Errorf("%s: %s", c.Name, c.Detail)
		}
	}
	if !slices.Equal(names, peerCases) {
		t.Errorf("cases run: %q\nwant %q", names, peerCases)
	}
	if err != nil || !r.OK {
		t.Errorf("client exited with %v, ok=%v", err, r.OK)
	}
	// Both clients offer permessage-deflate.
	e := string(r.Extensions)
	negotiated := strings.Contains(e, "permessage-deflate")
	if negotiated != compress || !compress && e != `""` && e != `[]` {
		t.Errorf("extensions negotiated: %s; want permessage-deflate %v", e, compress)
	}
	// Our close was 4000 "done: κόσμε"; wsbench serve echoes the code, and
	// may or may not echo the reason.
	if r.Close == nil || r.Close.Code != 4000 || r.Close.Reason != "" && r.Close.Reason != "done: κόσμε" {
		t.Errorf("server answered close 4000 with %+v; want code 4000", r.Close)
	}

	s, err := runPeerClient(t, p, "seed", "ws://"+addr+"/seed")
	if err != nil || s.Reply != "Loud and clear!" || s.Binary {
		t.Errorf("/seed answered %q (binary %v), %v; want text %q", s.Reply, s.Binary, err, "Loud and clear!")
	}
	return r
}

// testServerInitiatedClose connects p's client in wait mode to a wsbench
// serve of its own, interrupts that server, and checks that the client
// received close 1001 (going away).
func testServerInitiatedClose(t *testing.T, p scriptPeer) {
	t.Helper()
	s := startServe(t)
	client := testenv.Start(t, nil, p.prog, p.client, "wait", "ws://"+s.addr+"/wait")
	next := func(what string) peerReport {
		t.Helper()
		line := client.Line(t, 20*time.Second)
		var r peerReport
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%s client printed %q: %v", p.name, line, err)
		}
		return r
	}
	if r := next("open event"); r.Event != "open" {
		t.Fatalf("%s client: %+v; want the open event", p.name, r)
	}
	if err := s.Cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	r := next("close event")
	select {
	case <-client.Exited():
		if err := client.Err(); err != nil {
			t.Errorf("%s client: %v", p.name, err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("%s client still running 20s after the close", p.name)
	}
	if r.Event != "closed" || r.Code != int(codec.CloseGoingAway) {
		t.Errorf("%s client saw %+v; want close 1001", p.name, r)
	}
	t.Logf("%s %s saw close %d %q", r.Peer, r.Version, r.Code, r.Reason)
	select {
	case <-s.Exited():
		if err := s.Err(); err != nil {
			t.Errorf("wsbench serve after SIGINT: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("wsbench serve still running 10s after SIGINT")
	}
}

// peerEvent is a line of a peer server's OUTFILE.
type peerEvent struct {
	Peer              string     `json:"peer"`
	Version           string     `json:"version"`
	Event             string     `json:"event"`
	Path              string     `json:"path"`
	Messages          int        `json:"messages"`
	Sent              *peerClose `json:"sent"`
	Received          *peerClose `json:"received"`
	ReceivedAfterSent *bool      `json:"received_after_sent"`
	Error             string     `json:"error"`
}

func (e peerEvent) String() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// waitPeerEvent waits until the peer server reports in file the end of
// the connection to path.
func waitPeerEvent(t *testing.T, file, path string) peerEvent {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(file)
		for line := range strings.Lines(string(b)) {
			if !strings.HasSuffix(line, "\n") {
				break // still being written
			}
			var ev peerEvent
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("peer server wrote %q: %v", line, err)
			}
			if ev.Event == "error" {
				t.Errorf("peer server reported %s", ev.Error)
			}
			if ev.Event == "closed" && ev.Path == path {
				return ev
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("peer server reported no end of %s in 20s; it wrote:\n%s", path, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testPeerServer runs p's server script and this module's client against
// it: the echo matrix, then a close started by the peer.
func testPeerServer(t *testing.T, p scriptPeer) {
	t.Helper()
	port := freePort(t)
	events := filepath.Join(t.TempDir(), "events.jsonl")
	testenv.Start(t, nil, p.prog, p.server, strconv.Itoa(port), events)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	waitListening(t, addr, 20*time.Second)

	t.Run("echo", func(t *testing.T) {
		t.Run("matrix", func(t *testing.T) { echoMatrix(t, "ws://"+addr+"/echo") })
		// echoMatrix closed with 4001 "interop done" and, as its test
		// ended, the TCP connection.
		ev := waitPeerEvent(t, events, "/echo")
		t.Logf("peer server: %v", ev)
		if ev.Received == nil || ev.Received.Code != 4001 || ev.Received.Reason != "interop done" {
			t.Errorf("peer received close %+v; want 4001 %q", ev.Received, "interop done")
		}
	})

	t.Run("close-me", func(t *testing.T) {
		c := dial(t, "ws://"+addr+"/close-me", nil)
		if err := c.w.WriteMessage(codec.OpText, []byte("close-me")); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.r.ReadMessage(nil)
		var ce *wsnet.ClosedError
		if !errors.As(err, &ce) || ce.Code != 4002 || ce.Reason != "bye from peer" {
			t.Fatalf("ReadMessage = %q, %v; want *wsnet.ClosedError 4002 %q", got, err, "bye from peer")
		}
		// The Reader answered through c.w; the server now ends the TCP
		// connection (RFC 6455 §7.1.1).
		if !c.w.CloseSent() {
			t.Error("the Reader did not answer the peer's close")
		}
		c.conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		if n, err := c.conn.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("after the closing handshake: read %d bytes, %v; want the peer to close the connection (EOF)", n, err)
		}
		c.conn.Close()
		ev := waitPeerEvent(t, events, "/close-me")
		t.Logf("peer server: %v", ev)
		want := peerClose{4002, "bye from peer"}
		if ev.Sent == nil || *ev.Sent != want {
			t.Errorf("peer reports it sent %+v; want %+v", ev.Sent, want)
		}
		// wsnet.Reader echoes the code (CloseReply) without a reason.
		if ev.Received == nil || ev.Received.Code != 4002 {
			t.Errorf("peer received %+v after its close; want our reply with code 4002", ev.Received)
		}
		if ev.ReceivedAfterSent != nil && !*ev.ReceivedAfterSent {
			t.Error("peer says it received our close before sending its own")
		}
	})
}
