package wsnet

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// PreparedMessage is a message framed once, and compressed once, for
// writing to many connections, as a server does when it broadcasts. Each
// kind of connection that writes it (server or client; with or without
// compression, and with which window and level) gets its form made on
// the first write and kept; later writes of that form copy nothing and
// allocate nothing.
//
// A server's frames are written as they were made. A client's frames are
// masked for each write with a fresh key, as RFC 6455 §10.3 requires,
// but never compressed again. Connections whose own side keeps its
// compression context between messages cannot take a message compressed
// apart from that context (the peer's window would no longer match
// theirs): they send the message uncompressed, which RFC 7692 allows.
// A server that broadcasts compressed messages should therefore agree on
// server_no_context_takeover (deflate.ServerOptions.ServerNoContextTakeover).
//
// A PreparedMessage is safe for concurrent use.
type PreparedMessage struct {
	op      codec.Opcode
	payload []byte

	mu    sync.Mutex                     // held while a form is made
	forms atomic.Pointer[[]preparedForm] // grows by copying, read without a lock
}

// preparedForm is the message as one kind of connection sends it.
type preparedForm struct {
	key  formKey
	rsv  uint8
	data []byte // a server's whole frame; a client's payload, unmasked
}

// formKey says which connections a form suits.
type formKey struct {
	role       codec.Role
	compressed bool
	bits       int // window bits of the compressor
	level      int
}

// NewPreparedMessage returns a message of type op (codec.OpText or
// codec.OpBinary) with a copy of payload.
func NewPreparedMessage(op codec.Opcode, payload []byte) (*PreparedMessage, error) {
	if op != codec.OpText && op != codec.OpBinary {
		return nil, codec.ErrNotDataOpcode
	}
	pm := &PreparedMessage{op: op, payload: append([]byte(nil), payload...)}
	pm.forms.Store(new([]preparedForm))
	return pm, nil
}

// form returns the form of pm for key, making it on first use.
func (pm *PreparedMessage) form(key formKey, minSize int) (*preparedForm, error) {
	for i, f := range *pm.forms.Load() {
		if f.key == key {
			return &(*pm.forms.Load())[i], nil
		}
	}
	pm.mu.Lock()
	defer pm.mu.Unlock()
	forms := *pm.forms.Load()
	for i := range forms {
		if forms[i].key == key {
			return &forms[i], nil
		}
	}
	f := preparedForm{key: key, data: pm.payload}
	if key.compressed && len(pm.payload) >= minSize {
		var p deflate.Params
		p.ServerNoContextTakeover, p.ClientNoContextTakeover = true, true
		p.ServerMaxWindowBits, p.ClientMaxWindowBits = key.bits, key.bits
		z, err := deflate.NewCompressor(p, key.role, key.level).AppendMessage(nil, pm.payload)
		if err != nil {
			return nil, err
		}
		f.rsv, f.data = codec.Rsv1, z
	}
	if key.role == codec.RoleServer {
		h := codec.Header{Fin: true, Rsv: f.rsv, Opcode: pm.op, Length: int64(len(f.data))}
		f.data = append(codec.AppendHeader(make([]byte, 0, codec.MaxHeaderLen+len(f.data)), h), f.data...)
	}
	grown := append(forms[:len(forms):len(forms)], f)
	pm.forms.Store(&grown)
	return &grown[len(grown)-1], nil
}

// preparedKey returns the form of prepared messages that c can send, and
// the size from which it compresses; newConn keeps them in c.
func (c *Conn) preparedKey() (formKey, int) {
	key := formKey{role: c.role}
	minSize := c.opts.CompressMin
	if minSize <= 0 {
		minSize = deflate.MinSize
	}
	if !c.compressed {
		return key, minSize
	}
	noTakeover, bits := c.params.ServerNoContextTakeover, c.params.ServerMaxWindowBits
	if c.role == codec.RoleClient {
		noTakeover, bits = c.params.ClientNoContextTakeover, c.params.ClientMaxWindowBits
	}
	if noTakeover {
		key.compressed, key.bits, key.level = true, bits, c.opts.CompressLevel
	}
	return key, minSize
}

// WritePreparedMessage writes pm, as WriteMessage would write its payload
// but without framing or compressing it again.
func (c *Conn) WritePreparedMessage(ctx context.Context, pm *PreparedMessage) error {
	f, err := pm.form(c.pkey, c.pmin)
	if err != nil {
		return err
	}
	c.armWrite()
	if err := c.w.lockWhole(ctx); err != nil {
		return err
	}
	b := c.bind(ctx, true)
	err = c.w.writePrepared(pm.op, f)
	c.w.mu.Unlock()
	return c.writeEnd(b, err)
}
