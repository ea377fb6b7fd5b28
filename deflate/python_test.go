package deflate

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/internal/testenv"
)

// Interoperability with Python's websockets 10.4 (Debian's
// python3-websockets, for /usr/bin/python3), whose permessage-deflate runs
// on zlib: compressed messages both ways, with and without context
// takeover and with small windows, through its server and its client.

const python = "/usr/bin/python3"

func needPython(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no Python peer")
	}
	if err := exec.Command(python, "-c", "import websockets").Run(); err != nil {
		t.Skipf("Python's websockets is not installed for %s (apt-get install python3-websockets): %v", python, err)
	}
}

// startPython runs testdata/python/peer.py until the test ends.
func startPython(t *testing.T, args ...string) *testenv.Proc {
	t.Helper()
	return testenv.Start(t, nil, python, append([]string{"testdata/python/peer.py"}, args...)...)
}

func TestPythonServer(t *testing.T) {
	needPython(t)
	msgs := interopMessages()
	for _, tc := range []struct {
		python string // ServerPerMessageDeflateFactory's arguments
		client ClientOptions
		want   Params
	}{
		{`{}`, ClientOptions{}, Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{`{}`, ClientOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true},
			Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{`{"server_max_window_bits": 10, "client_max_window_bits": 9}`, ClientOptions{},
			Params{ServerMaxWindowBits: 10, ClientMaxWindowBits: 9}},
		{`{"server_no_context_takeover": true, "client_no_context_takeover": true}`, ClientOptions{ServerMaxWindowBits: 11},
			Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 11, ClientMaxWindowBits: 15}},
	} {
		t.Run(tc.python+ClientOffer(tc.client), func(t *testing.T) {
			port := startPython(t, "server", tc.python).Line(t, peerWait)
			dialExchange(t, port, tc.client, tc.want, msgs)
		})
	}
}

func TestPythonClient(t *testing.T) {
	needPython(t)
	msgs := interopMessages()
	for _, tc := range []struct {
		python string // ClientPerMessageDeflateFactory's arguments
		server ServerOptions
	}{
		{`{}`, ServerOptions{}},
		{`{}`, ServerOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
		{`{"server_max_window_bits": 10, "client_max_window_bits": true}`, ServerOptions{ClientMaxWindowBits: 9}},
		{`{"server_no_context_takeover": true, "client_no_context_takeover": true}`, ServerOptions{}},
	} {
		name, _ := json.Marshal(tc.server)
		t.Run(tc.python+string(name), func(t *testing.T) {
			url, reply, done := exchangeServer(t, tc.server, msgs)
			ext := startPython(t, "client", tc.python, url).Line(t, peerWait)
			waitDone(t, done)
			if strings.TrimSpace(ext) != *reply {
				t.Errorf("websockets saw %q; the server answered %q", ext, *reply)
			}
		})
	}
}
