//go:build !linux

package main

import (
	"errors"
	"net"
	"time"
)

const haveEpoll = false

func (s *server) listenEpoll(addr string) (net.Addr, func(time.Duration), error) {
	return nil, nil, errors.New("the epoll engine needs Linux; use -engine goroutine")
}
