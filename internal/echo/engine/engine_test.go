package engine

import (
	"net"
	"slices"
	"testing"
	"time"

	"github.com/wsframe/wsframe/internal/echo"
)

func TestListen(t *testing.T) {
	if !slices.Contains(Available(), "goroutine") || Default() != Available()[0] {
		t.Fatalf("Available = %q, Default = %q", Available(), Default())
	}
	for _, name := range Available() {
		addr, stop, err := Listen(name, echo.NewServer(1<<20, 4096, 4096, nil), "127.0.0.1:0")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c.Close()
		stop(time.Second)
	}
	if _, _, err := Listen("threads", echo.NewServer(1<<20, 4096, 4096, nil), "127.0.0.1:0"); err == nil {
		t.Error("an unknown engine listened")
	}
}
