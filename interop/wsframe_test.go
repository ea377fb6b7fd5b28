package interop

import "testing"

// TestSelf runs the echo matrix against wsbench serve, so that a failure
// against a peer can be told apart from a failure of the matrix.
func TestSelf(t *testing.T) {
	addr := startServe(t).addr
	echoMatrix(t, "ws://"+addr+"/")
}
