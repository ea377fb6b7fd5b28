// Package engine names the ways the echo server moves bytes, for the
// command line and the tests that run each: "epoll", the event loops of
// package epoll (Linux), and "goroutine", net/http with a goroutine per
// connection (package echo).
package engine

import (
	"fmt"
	"net"
	"time"

	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/internal/echo/epoll"
)

// All are the engines there are, whether this system has them or not.
var All = []string{"epoll", "goroutine"}

// Available returns the engines this system has, the default first:
// epoll where there is epoll.
func Available() []string {
	if epoll.Available {
		return All
	}
	return All[1:]
}

// Default is the engine `wsbench serve` uses unless told otherwise.
func Default() string { return Available()[0] }

// Listen serves s on addr with the named engine and returns its address
// and a function that shuts it down within grace.
func Listen(name string, s *echo.Server, addr string) (net.Addr, func(grace time.Duration), error) {
	switch name {
	case "epoll":
		return epoll.Listen(s, addr)
	case "goroutine":
		return echo.Listen(s, addr)
	}
	return nil, nil, fmt.Errorf("no engine %q (there are %q)", name, All)
}
