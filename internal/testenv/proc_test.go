package testenv

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	sh := NeedCommand(t, "sh", "any POSIX system has it")
	var p *Proc
	t.Run("lines", func(t *testing.T) {
		p = Start(t, []string{"WSFRAME_TEST=42"}, sh, "-c", `echo first; echo "value=$WSFRAME_TEST"; echo oops >&2; exec sleep 60`)
		if got := p.Line(t, 10*time.Second); got != "first" {
			t.Errorf("Line = %q", got)
		}
		if m := p.Match(t, regexp.MustCompile(`value=(\d+)`), 10*time.Second); m[1] != "42" {
			t.Errorf("Match = %q", m)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(p.Stderr(), "oops") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(p.Stderr(), "oops") {
			t.Errorf("Stderr = %q", p.Stderr())
		}
	})
	// The subtest's end interrupted the program: sleep dies of SIGINT.
	select {
	case <-p.Exited():
		if p.Err() == nil {
			t.Error("an interrupted sleep exited 0")
		}
	case <-time.After(time.Second):
		t.Error("the program still runs after its test ended")
	}
}

func TestNoAllocs(t *testing.T) {
	var ft fakeT
	var sink []byte
	NoAllocs(&ft, "make", func() { sink = make([]byte, 100+len(sink)%7) })
	if !ft.failed {
		t.Error("NoAllocs passed a function that allocates")
	}
	ft = fakeT{}
	NoAllocs(&ft, "nothing", func() {})
	if ft.failed {
		t.Error("NoAllocs failed a function that does not allocate")
	}
}

// fakeT records whether a check failed, so that the test can check the
// checker.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
