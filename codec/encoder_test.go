package codec

import (
	"strings"
	"testing"
)

func TestEncoderRefuses(t *testing.T) {
	e := Encoder{Role: RoleServer}
	if _, err := e.AppendPing(nil, make([]byte, 126)); err != ErrControlPayloadTooLong {
		t.Errorf("126-byte ping: %v", err)
	}
	if _, err := e.AppendClose(nil, CloseNormal, strings.Repeat("r", 124)); err != ErrCloseReasonTooLong {
		t.Errorf("124-byte reason: %v", err)
	}
	if _, err := e.AppendClose(nil, 1005, "x"); err != ErrCloseCodeNotSendable {
		t.Errorf("code 1005: %v", err)
	}
	if _, err := e.AppendClose(nil, CloseNormal, "\xff"); err != ErrCloseReasonNotUTF8 {
		t.Errorf("reason not UTF-8: %v", err)
	}
	if _, err := e.AppendFrame(nil, OpPing, 0, false, nil); err != ErrBadFrameOpcode {
		t.Errorf("fragmented ping: %v", err)
	}
	if _, err := e.AppendFrame(nil, 0x3, 0, true, nil); err != ErrBadFrameOpcode {
		t.Errorf("reserved opcode: %v", err)
	}
	if _, err := e.AppendMessage(nil, OpPing, nil); err != ErrNotDataOpcode {
		t.Errorf("message with OpPing: %v", err)
	}
	if _, err := e.AppendClose(nil, CloseNormal, strings.Repeat("r", 123)); err != nil {
		t.Errorf("123-byte reason: %v", err)
	}
	for _, f := range []func() error{
		func() error { _, err := e.AppendMessage(nil, OpText, nil); return err },
		func() error { _, err := e.AppendPing(nil, nil); return err },
		func() error { _, err := e.AppendClose(nil, CloseNormal, ""); return err },
	} {
		if err := f(); err != ErrCloseSent {
			t.Errorf("after close: %v; want ErrCloseSent", err)
		}
	}
}

// TestClientKeysDiffer checks that a client's frames carry fresh keys.
func TestClientKeysDiffer(t *testing.T) {
	e := Encoder{Role: RoleClient}
	seen := map[[4]byte]bool{}
	for i := 0; i < 1000; i++ {
		var h Header
		e.PrepareHeader(&h)
		if !h.Masked {
			t.Fatal("client header not masked")
		}
		seen[h.Key] = true
	}
	if len(seen) < 990 {
		t.Errorf("only %d distinct keys in 1000 frames", len(seen))
	}
	e2 := Encoder{Role: RoleClient}
	var a, b Header
	e.PrepareHeader(&a)
	e2.PrepareHeader(&b)
	if a.Key == b.Key {
		t.Errorf("two encoders gave the same key")
	}
}
