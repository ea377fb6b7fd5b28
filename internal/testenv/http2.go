package testenv

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/internal/godebug"
)

// HTTP2 makes t run in a process whose net/http servers accept
// WebSockets over HTTP/2, which only the environment at start-up can
// arrange. In such a process it returns true and the test goes on. In
// any other it runs this one test again in a child process of the same
// test binary started with GODEBUG=http2xconnect=1, fails t if the child
// failed, and returns false: the caller returns at once.
//
//	if !testenv.HTTP2(t) {
//		return
//	}
func HTTP2(t *testing.T) bool {
	t.Helper()
	if godebug.HasHTTP2(os.Getenv("GODEBUG")) {
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
	cmd.Env = godebug.WithHTTP2(os.Environ())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("in a process with GODEBUG=%s: %v\n%s", godebug.HTTP2, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a process with GODEBUG=%s, the test did not run:\n%s", godebug.HTTP2, out)
	}
	t.Logf("ran in a process with GODEBUG=%s", godebug.HTTP2)
	return false
}
