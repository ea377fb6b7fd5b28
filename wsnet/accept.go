package wsnet

import (
	"context"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// Accept runs the server's side of the opening handshake on nc, for
// servers that do not use net/http: it reads the request (buffered holds
// bytes of it already read), checks it as Upgrade does, sends the 101
// reply and returns the connection. Frames the client sent right after
// its request are kept. ctx bounds the handshake (opts.HandshakeTimeout
// when it has no deadline). On failure Accept has sent a 4xx reply and returns the
// error; the caller closes nc. opts may be nil.
func Accept(ctx context.Context, nc net.Conn, buffered []byte, opts *ServerOptions) (*Conn, error) {
	return accept(ctx, nc, buffered, opts, nil)
}

// Accept is the package's Accept with s's options, for a connection s
// tracks until it closes. During Shutdown, and at MaxConns, it refuses
// with 503.
func (s *Server) Accept(ctx context.Context, nc net.Conn, buffered []byte) (*Conn, error) {
	if err := s.refuse(); err != nil {
		nc.Write(handshake.AppendReject(nil, http.StatusServiceUnavailable, err.Error()+"\n"))
		return nil, err
	}
	return accept(ctx, nc, buffered, &s.ServerOptions, s)
}

func accept(ctx context.Context, nc net.Conn, buffered []byte, opts *ServerOptions, s *Server) (*Conn, error) {
	if opts == nil {
		opts = &ServerOptions{}
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(opts.handshakeTimeout())
	}
	nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(aLongTimeAgo) })
	defer stop()
	buf, req, n, err := readRequest(nc, buffered)
	if err != nil {
		if e, ok := err.(*handshake.Error); ok {
			nc.Write(handshake.AppendReject(nil, e.Status, e.Rule+"\n"))
		}
		return nil, err
	}
	check := opts.CheckOrigin
	if check == nil {
		check = handshake.SameOrigin
	}
	if !check(httpRequest(&req)) {
		nc.Write(handshake.AppendReject(nil, http.StatusForbidden, handshake.ErrOrigin.Rule+"\n"))
		return nil, handshake.ErrOrigin
	}
	protocol := req.SelectProtocol(opts.Protocols)
	var params *deflate.Params
	var extensions string
	if opts.Compression != nil && req.Extensions.Len() > 0 {
		if p, response, ok := deflate.NegotiateServerElements(req.Extensions.Elements, *opts.Compression); ok {
			params, extensions = &p, response
		}
	}
	var extra []handshake.Field
	for name, values := range opts.Header {
		for _, v := range values {
			extra = append(extra, handshake.Field{Name: name, Value: v})
		}
	}
	reply := handshake.AppendResponse(nil, req.Key, protocol, extensions, extra...)
	if _, err := nc.Write(reply); err != nil {
		return nil, err
	}
	if !stop() {
		return nil, ctx.Err()
	}
	nc.SetDeadline(time.Time{})
	c := newConn(nc, buf[n:], codec.RoleServer, params, &opts.Options)
	c.protocol, c.extensions = protocol, extensions
	return c, s.track(c)
}

// readRequest reads from nc, after buffered, until a whole request head
// has arrived, and returns the bytes read, the request parsed from them
// and the head's length.
func readRequest(nc net.Conn, buffered []byte) ([]byte, handshake.Request, int, error) {
	buf := append(make([]byte, 0, max(1024, len(buffered))), buffered...)
	var limits handshake.Limits
	for {
		req, n, err := limits.ParseRequest(buf)
		if err != handshake.ErrIncomplete {
			return buf, req, n, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		k, rerr := nc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if rerr != nil && k == 0 {
			return nil, handshake.Request{}, 0, rerr
		}
	}
}

// httpRequest makes the net/http form of a parsed request, for CheckOrigin.
func httpRequest(req *handshake.Request) *http.Request {
	r := &http.Request{
		Method:     string(req.Method),
		Host:       string(req.Host),
		RequestURI: string(req.Target),
		Proto:      string(req.Proto),
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header),
	}
	r.URL, _ = url.ParseRequestURI(r.RequestURI)
	for name, value := range req.Fields {
		key := textproto.CanonicalMIMEHeaderKey(string(name))
		r.Header[key] = append(r.Header[key], string(value))
	}
	return r
}
