package codec

import "testing"

// TestOpcodeClasses checks every possible byte against the opcode classes of
// RFC 6455 §5.2 and §11.8.
func TestOpcodeClasses(t *testing.T) {
	defined := map[Opcode]string{0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}
	for i := 0; i < 256; i++ {
		op := Opcode(i)
		name, isDefined := defined[op]
		if got := op.IsReserved(); got != !isDefined {
			t.Errorf("Opcode(%#x).IsReserved() = %v; want %v", i, got, !isDefined)
		}
		if got, want := op.IsControl(), i >= 8 && i <= 15; got != want {
			t.Errorf("Opcode(%#x).IsControl() = %v; want %v", i, got, want)
		}
		if got, want := op.IsData(), i <= 2; got != want {
			t.Errorf("Opcode(%#x).IsData() = %v; want %v", i, got, want)
		}
		want := name
		switch {
		case i > 15:
			want = "invalid"
		case !isDefined:
			want = "reserved(0x" + string("0123456789ABCDEF"[i]) + ")"
		}
		if got := op.String(); got != want {
			t.Errorf("Opcode(%#x).String() = %q; want %q", i, got, want)
		}
	}
}
