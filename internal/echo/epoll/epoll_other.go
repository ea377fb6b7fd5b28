//go:build !linux

package epoll

import (
	"errors"
	"net"
	"time"

	"github.com/wsframe/wsframe/internal/echo"
)

// Available reports whether this system has the epoll engine: Linux.
const Available = false

// Listen fails: the epoll engine needs Linux.
func Listen(s *echo.Server, addr string) (net.Addr, func(grace time.Duration), error) {
	return nil, nil, errors.New("the epoll engine needs Linux; use -engine goroutine")
}
