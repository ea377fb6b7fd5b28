package wsnet_test

import (
	"net"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/wsnet"
)

// TestNetConn runs x/net's net.Conn conformance tests over a pair of
// Conns on loopback TCP. They write random bytes, so only binary
// messages can carry them.
func TestNetConn(t *testing.T) {
	op := codec.OpBinary
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, err
		}
		defer ln.Close()
		accepted := make(chan net.Conn, 1)
		go func() {
			c, _ := ln.Accept()
			accepted <- c
		}()
		a, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		b := <-accepted
		opts := &wsnet.Options{CloseTimeout: time.Second}
		client := wsnet.NewConn(a, nil, codec.RoleClient, nil, opts)
		server := wsnet.NewConn(b, nil, codec.RoleServer, nil, opts)
		c1, c2 = wsnet.NetConn(client, op), wsnet.NetConn(server, op)
		stop = func() { client.CloseNow(); server.CloseNow() }
		return c1, c2, stop, nil
	})
}
