package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

var wsbench struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// Wsbench returns the path of a wsbench binary built from this module,
// once per test process. A package that uses it removes it in its
// TestMain with RemoveWsbench.
func Wsbench(t testing.TB) string {
	t.Helper()
	wsbench.once.Do(func() {
		dir, err := os.MkdirTemp("", "wsframe-wsbench")
		if err != nil {
			wsbench.err = err
			return
		}
		wsbench.path = filepath.Join(dir, "wsbench")
		wsbench.out, wsbench.err = exec.Command("go", "build", "-o", wsbench.path, "github.com/wsframe/wsframe/cmd/wsbench").CombinedOutput()
	})
	if wsbench.err != nil {
		t.Fatalf("building wsbench: %v\n%s", wsbench.err, wsbench.out)
	}
	return wsbench.path
}

// RemoveWsbench removes the binary Wsbench built, if it built one.
func RemoveWsbench() {
	if wsbench.path != "" {
		os.RemoveAll(filepath.Dir(wsbench.path))
	}
}

// Serve runs `wsbench serve` with args on a free loopback port until t
// ends, and returns the process and the address it listens on. env is
// added to its environment. A non-empty wrap runs it through that shell
// command line first, such as "ulimit -n 256;", with "exec" appended.
func Serve(t testing.TB, env []string, wrap string, args ...string) (*Proc, string) {
	t.Helper()
	bin := Wsbench(t)
	args = append([]string{"serve", "-addr", "127.0.0.1:0"}, args...)
	var p *Proc
	if wrap == "" {
		p = Start(t, env, bin, args...)
	} else {
		line := wrap + " exec " + bin
		for _, a := range args {
			line += " '" + a + "'"
		}
		p = Start(t, env, "sh", "-c", line)
	}
	m := p.Match(t, regexp.MustCompile(`https?://([0-9.:]+)/`), 20*time.Second)
	return p, m[1]
}
