package codec

import "testing"

// checkNoAllocs fails t if f allocates. Tests that call it must not be
// parallel: testing.AllocsPerRun panics in parallel tests.
func checkNoAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	if n := testing.AllocsPerRun(100, f); n != 0 {
		t.Errorf("%s: got %v allocs, want 0", name, n)
	}
}

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

	checkNoAllocs(t, "ParseHeader", func() { _, sinkInt, sink = ParseHeader(enc) })
	checkNoAllocs(t, "ParseHeader short", func() { _, sinkInt, sink = ParseHeader(enc[:5]) })
	checkNoAllocs(t, "ParseHeader overflow", func() { _, sinkInt, sink = ParseHeader(bad) })
	checkNoAllocs(t, "ParseHeader non-minimal", func() { _, sinkInt, sink = ParseHeader([]byte{0x82, 126, 0, 1}) })
	checkNoAllocs(t, "Header.Len", func() { sinkInt = masked.Len() })
	checkNoAllocs(t, "PutHeader", func() { sinkInt = PutHeader(hdr[:], masked) })
	checkNoAllocs(t, "AppendHeader", func() { out = AppendHeader(out[:0], masked) })
	checkNoAllocs(t, "Validate ok", func() { sink = masked.Validate(RoleServer, 0) })
	checkNoAllocs(t, "Validate masked to client", func() { sink = masked.Validate(RoleClient, 0) })
	checkNoAllocs(t, "Validate reserved opcode", func() { sink = Header{Opcode: 0xB}.Validate(RoleClient, 0) })
	checkNoAllocs(t, "Validate RSV", func() { sink = Header{Rsv: Rsv2}.Validate(RoleClient, Rsv1) })
	checkNoAllocs(t, "Validate control", func() { sink = Header{Opcode: OpPing, Fin: true, Length: 200}.Validate(RoleClient, 0) })
	checkNoAllocs(t, "Opcode.String", func() { sinkStr = OpPong.String() })
	checkNoAllocs(t, "Opcode.String reserved", func() { sinkStr = Opcode(0xC).String() })
	checkNoAllocs(t, "CloseCode.String registered", func() { sinkStr = CloseGoingAway.String() })
	checkNoAllocs(t, "CloseCode.IsValid", func() { sinkBool = CloseCode(4000).IsValid() })

	closeOK := AppendClose(nil, CloseNormal, "bye")
	for _, p := range [][]byte{closeOK, nil, {3}, {0, 0}, {3, 0xe8, 0xff}, make([]byte, 126)} {
		checkNoAllocs(t, "ParseClose", func() { _, _, sink = ParseClose(p) })
	}
	checkNoAllocs(t, "AppendClose", func() { out = AppendClose(out[:0], CloseNormal, "bye") })

	for _, k := range kernels {
		restore := setKernel(k)
		for _, n := range []int{0, 3, 16, 125, 1024, 65536} {
			buf := make([]byte, n)
			dst := make([]byte, n)
			key := [4]byte{1, 2, 3, 4}
			checkNoAllocs(t, "Mask "+k, func() { sinkInt = Mask(buf, key, 1) })
			checkNoAllocs(t, "MaskCopy "+k, func() { sinkInt = MaskCopy(dst, buf, key, 2) })
		}
		restore()
	}
	_, _, _, _ = sink, sinkInt, sinkStr, sinkBool
}
