// Package interop holds tests that run wsframe against WebSocket
// implementations nobody here wrote: a real browser (headless Chromium),
// Node's ws, Python's websockets and libwebsockets. Each test skips, saying
// what is missing, when its peer is not installed; .ci/run installs them
// all so that CI runs every test.
package interop
