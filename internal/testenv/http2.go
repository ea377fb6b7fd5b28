package testenv

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// http2Setting is the GODEBUG setting that makes net/http servers accept
// WebSockets over HTTP/2 (see handshake.HTTP2Enabled, which this package
// cannot import: handshake's tests import it).
const http2Setting = "http2xconnect=1"

// HTTP2Environ returns this process's environment with http2xconnect=1
// added to GODEBUG, for processes that serve WebSockets over HTTP/2.
func HTTP2Environ() []string {
	env := os.Environ()
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			env[i] = "GODEBUG=" + http2Setting
			if v != "" {
				env[i] += "," + v
			}
			return env
		}
	}
	return append(env, "GODEBUG="+http2Setting)
}

// HTTP2 makes t run in a process whose net/http servers accept
// WebSockets over HTTP/2, which only the environment at start-up can
// arrange. In such a process it returns true and the test goes on. In any
// other it runs this one test again in a child process of the same test
// binary started with GODEBUG=http2xconnect=1, fails t if the child failed, and returns
// false: the caller returns at once.
//
//	if !testenv.HTTP2(t) {
//		return
//	}
func HTTP2(t *testing.T) bool {
	t.Helper()
	if strings.Contains(os.Getenv("GODEBUG"), http2Setting) {
		return true
	}
	var run []string
	for part := range strings.SplitSeq(t.Name(), "/") {
		run = append(run, "^"+regexp.QuoteMeta(part)+"$")
	}
	args := []string{"-test.run=" + strings.Join(run, "/"), "-test.count=1", "-test.v"}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout="+time.Until(d).Round(time.Second).String())
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = HTTP2Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("in a process with GODEBUG=%s: %v\n%s", http2Setting, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a process with GODEBUG=%s, the test did not run:\n%s", http2Setting, out)
	}
	t.Logf("ran in a process with GODEBUG=%s", http2Setting)
	return false
}
