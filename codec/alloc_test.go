package codec

import (
	"testing"

	"github.com/wsframe/wsframe/internal/testenv"
)

// TestNoAllocs covers every exported function of the frame layer on its
// success and error paths.
func TestNoAllocs(t *testing.T) {
	masked := Header{Fin: true, Opcode: OpText, Masked: true, Key: [4]byte{1, 2, 3, 4}, Length: 70000}
	enc := AppendHeader(nil, masked)
	bad := []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0}
	out := make([]byte, 0, 64)
	var hdr [MaxHeaderLen]byte
	var sink error
	var sinkInt int
	var sinkStr string
	var sinkBool bool

	testenv.NoAllocs(t, "ParseHeader", func() { _, sinkInt, sink = ParseHeader(enc) })
	testenv.NoAllocs(t, "ParseHeader short", func() { _, sinkInt, sink = ParseHeader(enc[:5]) })
	testenv.NoAllocs(t, "ParseHeader overflow", func() { _, sinkInt, sink = ParseHeader(bad) })
	testenv.NoAllocs(t, "ParseHeader non-minimal", func() { _, sinkInt, sink = ParseHeader([]byte{0x82, 126, 0, 1}) })
	testenv.NoAllocs(t, "Header.Len", func() { sinkInt = masked.Len() })
	testenv.NoAllocs(t, "PutHeader", func() { sinkInt = PutHeader(hdr[:], masked) })
	testenv.NoAllocs(t, "AppendHeader", func() { out = AppendHeader(out[:0], masked) })
	testenv.NoAllocs(t, "Validate ok", func() { sink = masked.Validate(RoleServer, 0) })
	testenv.NoAllocs(t, "Validate masked to client", func() { sink = masked.Validate(RoleClient, 0) })
	testenv.NoAllocs(t, "Validate reserved opcode", func() { sink = Header{Opcode: 0xB}.Validate(RoleClient, 0) })
	testenv.NoAllocs(t, "Validate RSV", func() { sink = Header{Rsv: Rsv2}.Validate(RoleClient, Rsv1) })
	testenv.NoAllocs(t, "Validate control", func() { sink = Header{Opcode: OpPing, Fin: true, Length: 200}.Validate(RoleClient, 0) })
	testenv.NoAllocs(t, "Opcode.String", func() { sinkStr = OpPong.String() })
	testenv.NoAllocs(t, "Opcode.String reserved", func() { sinkStr = Opcode(0xC).String() })
	testenv.NoAllocs(t, "CloseCode.String registered", func() { sinkStr = CloseGoingAway.String() })
	testenv.NoAllocs(t, "CloseCode.IsValid", func() { sinkBool = CloseCode(4000).IsValid() })

	closeOK := AppendClose(nil, CloseNormal, "bye")
	for _, p := range [][]byte{closeOK, nil, {3}, {0, 0}, {3, 0xe8, 0xff}, make([]byte, 126)} {
		testenv.NoAllocs(t, "ParseClose", func() { _, _, sink = ParseClose(p) })
	}
	testenv.NoAllocs(t, "AppendClose", func() { out = AppendClose(out[:0], CloseNormal, "bye") })

	for _, k := range kernels {
		restore := setKernel(k)
		for _, n := range []int{0, 3, 16, 125, 1024, 65536} {
			buf := make([]byte, n)
			dst := make([]byte, n)
			key := [4]byte{1, 2, 3, 4}
			testenv.NoAllocs(t, "Mask "+k, func() { sinkInt = Mask(buf, key, 1) })
			testenv.NoAllocs(t, "MaskCopy "+k, func() { sinkInt = MaskCopy(dst, buf, key, 2) })
		}
		restore()
	}
	_, _, _, _ = sink, sinkInt, sinkStr, sinkBool
}
