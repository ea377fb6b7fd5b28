package epoll

import (
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/wsframe/wsframe/internal/echo"
)

// openFDs returns the descriptors this process has open.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(entries) - 1 // ReadDir's own
}

// warmNet makes the runtime open its own network poller descriptor, once
// and for good, before a test counts descriptors.
func warmNet(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}

// TestStopFreesDescriptors serves a connection, stops the engine, and
// checks that every descriptor it opened is closed again: the listener,
// its duplicate (closed once: closing it twice could close a descriptor
// that another goroutine opened in between), and each loop's epoll and
// wake descriptors.
func TestStopFreesDescriptors(t *testing.T) {
	warmNet(t)
	before := openFDs(t)
	addr, stop, err := Listen(echo.NewServer(1<<20, 4096, 4096, nil), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	if _, err := c.Read(buf); err != nil {
		t.Fatal(err)
	}
	c.Close()
	stop(time.Second)
	if after := openFDs(t); after != before {
		t.Errorf("%d descriptors open before Listen, %d after stop", before, after)
	}
}

// TestListenErrorsFreeDescriptors makes Listen fail at each of the
// descriptors it opens, by lowering the process's descriptor limit to
// what is open plus 0, 1, 2 and so on, and checks that each failure
// closes what was opened before it.
func TestListenErrorsFreeDescriptors(t *testing.T) {
	warmNet(t)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skip(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	failures := 0
	for extra := 0; extra < 12; extra++ {
		before := openFDs(t)
		low := lim
		low.Cur = uint64(before + extra)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
			t.Skip(err)
		}
		_, stop, err := Listen(echo.NewServer(1<<20, 4096, 4096, nil), "127.0.0.1:0")
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		if err == nil {
			stop(0)
		} else {
			failures++
		}
		if after := openFDs(t); after != before {
			t.Errorf("limit %d (%d free): Listen returned %v and left %d descriptors open, %d before", low.Cur, extra, err, after, before)
		}
	}
	if failures < 3 {
		t.Errorf("only %d of the limits made Listen fail", failures)
	}
}
