//go:build gc && !purego

#include "textflag.h"

// maskBulk masks n bytes from src into dst (the same memory, or disjoint)
// with a little-endian key word for offset 0. It needs n of at least one
// vector (16 bytes) and touches no byte outside [0, n) of either buffer.
//
// The plan is the amd64 kernels' without the aligned head: arm64 cores
// take unaligned vector loads and stores at full speed except across a
// cache line, and aligning dst would cost a saved first vector and a
// rotated key. The last 16 bytes are loaded and masked before anything is
// stored; then the loops mask 64 and then 16 bytes at a time from the
// start, every step a multiple of 4 so the key never rotates; the saved
// vector is stored last. Where it overlaps bytes the loops wrote, it
// writes the same values, and since it was computed from the source before
// any store, this is correct in place too. So there is no scalar tail.
//
// Instructions per 64 bytes in the steady state, counted in the
// disassembly (go tool objdump) of a GOARCH=arm64 test binary built with
// go1.26. No arm64 machine was available to time anything, so these are
// counts, not speeds:
//
//	this kernel: VLD1.P, 4 VEOR, VST1.P, SUBS, BGE                8
//	coder/websocket mask_arm64.s: the same plus a CMP              9
//	Go word loop in maskBytes: 2 rounds of 26 (4 loads, 4 EOR,
//	4 stores, 11 to advance the slices and the count, CMP,
//	2 branches)                                                   52
//
// Per call, outside the loops: 17 instructions here (4 to load the
// arguments, 11 to set up the keys and the last vector, 2 to store it and
// return), plus the 64-byte loop's exit and the 16-byte loop's 5 per 16
// bytes. coder/websocket's kernel (in place only) sets up in 8, then tests
// each bit of n%64 (32, 16, 8, 4, 2, 1) and masks that many bytes in 4 or
// 5 instructions where it is set.

// func maskBulk(dst, src *byte, n int, key uint32)
TEXT ·maskBulk(SB), NOSPLIT, $0-28
	MOVD  dst+0(FP), R0
	MOVD  src+8(FP), R1
	MOVD  n+16(FP), R2
	MOVWU key+24(FP), R3

	// V4 = the key for offset 0, and for every multiple of 4 after it.
	VDUP R3, V4.S4

	// V6 = the last 16 bytes, masked with the key for their offset, n-16,
	// which is n mod 4: the word rotated right by 8*(n&3) bits (RORW
	// takes the shift mod 32). R7 = where they go.
	LSL  $3, R2, R4
	RORW R4, R3, R5
	VDUP R5, V5.S4
	SUB  $16, R2, R4
	ADD  R4, R1, R6
	ADD  R4, R0, R7
	VLD1 (R6), [V6.B16]
	VEOR V5.B16, V6.B16, V6.B16

	// R8 = bytes left minus 64: 64 bytes per round while it is >= 0.
	SUBS $64, R2, R8
	BLT  tail

loop64:
	VLD1.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VEOR   V4.B16, V0.B16, V0.B16
	VEOR   V4.B16, V1.B16, V1.B16
	VEOR   V4.B16, V2.B16, V2.B16
	VEOR   V4.B16, V3.B16, V3.B16
	VST1.P [V0.B16, V1.B16, V2.B16, V3.B16], 64(R0)
	SUBS   $64, R8, R8
	BGE    loop64

tail:
	// R8 = bytes left minus 16: 16 bytes per round while it is >= 0;
	// the saved last vector covers the 0 to 15 bytes after that.
	ADDS $48, R8, R8
	BLT  done

loop16:
	VLD1.P 16(R1), [V0.B16]
	VEOR   V4.B16, V0.B16, V0.B16
	VST1.P [V0.B16], 16(R0)
	SUBS   $16, R8, R8
	BGE    loop16

done:
	VST1 [V6.B16], (R7)
	RET
