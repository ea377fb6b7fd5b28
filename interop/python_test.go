package interop

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// Python's websockets as Debian packages it (python3-websockets), run with
// Debian's /usr/bin/python3: a python3 earlier on PATH, such as pyenv's,
// does not see Debian's packages.
var pythonPeer = scriptPeer{
	name:    "Python's websockets (Debian's python3-websockets)",
	install: "apt-get install python3-websockets",
	prog:    "/usr/bin/python3",
	client:  "testdata/python/client.py",
	server:  "testdata/python/server.py",
}

func needPython(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := exec.CommandContext(ctx, pythonPeer.prog, "-c", "import websockets").Run()
	need(t, err == nil, pythonPeer.name, pythonPeer.install)
}

// TestPythonClient runs websockets' client against wsbench serve.
func TestPythonClient(t *testing.T) {
	needPython(t)
	testPeerClients(t, pythonPeer)
}

// TestPythonServerClose checks that websockets' client sees the close 1001
// that wsbench serve sends when it is interrupted.
func TestPythonServerClose(t *testing.T) {
	needPython(t)
	testServerInitiatedClose(t, pythonPeer)
}

// TestPythonServer runs this module's client against websockets' server.
func TestPythonServer(t *testing.T) {
	needPython(t)
	testPeerServer(t, pythonPeer)
}
