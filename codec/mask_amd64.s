//go:build gc && !purego

#include "textflag.h"

// maskBulk masks n bytes from src into dst (the same memory, or disjoint)
// with a little-endian key word for offset 0. It runs the AVX-512 kernel
// when ·useAVX512 is set and n is at least 64, else the AVX2 kernel when
// ·useAVX2 is set, else the SSE2 kernel. It needs n of at least
// one vector (32 bytes) and touches no byte outside [0, n) of either buffer.
//
// Both kernels use the same plan. The first and the last vector are loaded and
// masked before anything is stored; then a loop masks whole vectors from the
// first vector-aligned byte of dst; the two saved vectors are stored last.
// Where they overlap bytes the loop wrote, they write the same values, and
// because they were computed from the source before any store, this is
// correct in place too. So there is no scalar head or tail.
//
// The AVX2 kernel uses only VEX-encoded instructions. A legacy SSE
// instruction (MOVL AX, X0, say) executed while the upper halves of the Y
// registers are dirty cost about 230 ns per call on the EPYC machine the
// benchmarks ran on, more than masking 64 KiB.

// func maskBulk(dst, src *byte, n int, key uint32)
TEXT ·maskBulk(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), DX
	MOVL key+24(FP), AX
	CMPB ·useAVX512(SB), $0
	JEQ  avx2
	CMPQ DX, $64
	JGE  avx512

avx2:
	CMPB ·useAVX2(SB), $0
	JEQ  sse2

	// Y1 = first 32 bytes, masked with the key for offset 0.
	VMOVD        AX, X0
	VPBROADCASTD X0, Y0
	VPXOR        (SI), Y0, Y1

	// Y2 = last 32 bytes, which start at offset n-32, congruent to n mod 4.
	MOVL         AX, BX
	MOVQ         DX, CX
	ANDQ         $3, CX
	SHLQ         $3, CX
	RORL         CX, BX
	VMOVD        BX, X3
	VPBROADCASTD X3, Y3
	VPXOR        -32(SI)(DX*1), Y3, Y2

	CMPQ DX, $64
	JLE  avx2_done

	// R8 = (-dst) & 31, the offset of the first 32-byte aligned dst byte,
	// and Y0 = the key for that offset.
	MOVQ         DI, R8
	NEGQ         R8
	ANDQ         $31, R8
	MOVL         AX, BX
	MOVQ         R8, CX
	ANDQ         $3, CX
	SHLQ         $3, CX
	RORL         CX, BX
	VMOVD        BX, X0
	VPBROADCASTD X0, Y0

	// 128 bytes per iteration while R8 <= n-128.
	MOVQ DX, R9
	SUBQ $128, R9
	CMPQ R8, R9
	JGT  avx2_tail

avx2_loop128:
	VPXOR   (SI)(R8*1), Y0, Y4
	VPXOR   32(SI)(R8*1), Y0, Y5
	VPXOR   64(SI)(R8*1), Y0, Y6
	VPXOR   96(SI)(R8*1), Y0, Y7
	VMOVDQU Y4, (DI)(R8*1)
	VMOVDQU Y5, 32(DI)(R8*1)
	VMOVDQU Y6, 64(DI)(R8*1)
	VMOVDQU Y7, 96(DI)(R8*1)
	ADDQ    $128, R8
	CMPQ    R8, R9
	JLE     avx2_loop128

avx2_tail:
	// 32 bytes per iteration while R8 <= n-32; the saved last vector
	// covers what remains.
	ADDQ $96, R9
	CMPQ R8, R9
	JGT  avx2_done

avx2_loop32:
	VPXOR   (SI)(R8*1), Y0, Y4
	VMOVDQU Y4, (DI)(R8*1)
	ADDQ    $32, R8
	CMPQ    R8, R9
	JLE     avx2_loop32

avx2_done:
	VMOVDQU Y1, (DI)
	VMOVDQU Y2, -32(DI)(DX*1)
	VZEROUPPER
	RET

avx512:
	// The AVX2 plan with 64-byte vectors: Z1 = first 64 bytes masked,
	// Z2 = last 64 bytes masked (offset n-64, congruent to n mod 4).
	VMOVD        AX, X0
	VPBROADCASTD X0, Z0
	VPXORD       (SI), Z0, Z1
	MOVL         AX, BX
	MOVQ         DX, CX
	ANDQ         $3, CX
	SHLQ         $3, CX
	RORL         CX, BX
	VMOVD        BX, X3
	VPBROADCASTD X3, Z3
	VPXORD       -64(SI)(DX*1), Z3, Z2

	CMPQ DX, $128
	JLE  avx512_done

	// R8 = (-dst) & 63, the offset of the first 64-byte aligned dst byte,
	// and Z0 = the key for that offset.
	MOVQ         DI, R8
	NEGQ         R8
	ANDQ         $63, R8
	MOVL         AX, BX
	MOVQ         R8, CX
	ANDQ         $3, CX
	SHLQ         $3, CX
	RORL         CX, BX
	VMOVD        BX, X0
	VPBROADCASTD X0, Z0

	// 256 bytes per iteration while R8 <= n-256.
	MOVQ DX, R9
	SUBQ $256, R9
	CMPQ R8, R9
	JGT  avx512_tail

avx512_loop256:
	VPXORD    (SI)(R8*1), Z0, Z4
	VPXORD    64(SI)(R8*1), Z0, Z5
	VPXORD    128(SI)(R8*1), Z0, Z6
	VPXORD    192(SI)(R8*1), Z0, Z7
	VMOVDQU64 Z4, (DI)(R8*1)
	VMOVDQU64 Z5, 64(DI)(R8*1)
	VMOVDQU64 Z6, 128(DI)(R8*1)
	VMOVDQU64 Z7, 192(DI)(R8*1)
	ADDQ      $256, R8
	CMPQ      R8, R9
	JLE       avx512_loop256

avx512_tail:
	// 64 bytes per iteration while R8 <= n-64; the saved last vector
	// covers what remains.
	ADDQ $192, R9
	CMPQ R8, R9
	JGT  avx512_done

avx512_loop64:
	VPXORD    (SI)(R8*1), Z0, Z4
	VMOVDQU64 Z4, (DI)(R8*1)
	ADDQ      $64, R8
	CMPQ      R8, R9
	JLE       avx512_loop64

avx512_done:
	VMOVDQU64 Z1, (DI)
	VMOVDQU64 Z2, -64(DI)(DX*1)
	VZEROUPPER
	RET

sse2:
	// X1 = first 16 bytes masked, X2 = last 16 bytes masked.
	MOVL   AX, X0
	PSHUFD $0, X0, X0
	MOVOU  (SI), X1
	PXOR   X0, X1
	MOVL   AX, BX
	MOVQ   DX, CX
	ANDQ   $3, CX
	SHLQ   $3, CX
	RORL   CX, BX
	MOVL   BX, X3
	PSHUFD $0, X3, X3
	MOVOU  -16(SI)(DX*1), X2
	PXOR   X3, X2

	CMPQ DX, $32
	JLE  sse2_done

	// R8 = (-dst) & 15 and X0 = the key for that offset.
	MOVQ   DI, R8
	NEGQ   R8
	ANDQ   $15, R8
	MOVL   AX, BX
	MOVQ   R8, CX
	ANDQ   $3, CX
	SHLQ   $3, CX
	RORL   CX, BX
	MOVL   BX, X0
	PSHUFD $0, X0, X0

	// 64 bytes per iteration while R8 <= n-64.
	MOVQ DX, R9
	SUBQ $64, R9
	CMPQ R8, R9
	JGT  sse2_tail

sse2_loop64:
	MOVOU (SI)(R8*1), X4
	MOVOU 16(SI)(R8*1), X5
	MOVOU 32(SI)(R8*1), X6
	MOVOU 48(SI)(R8*1), X7
	PXOR  X0, X4
	PXOR  X0, X5
	PXOR  X0, X6
	PXOR  X0, X7
	MOVOU X4, (DI)(R8*1)
	MOVOU X5, 16(DI)(R8*1)
	MOVOU X6, 32(DI)(R8*1)
	MOVOU X7, 48(DI)(R8*1)
	ADDQ  $64, R8
	CMPQ  R8, R9
	JLE   sse2_loop64

sse2_tail:
	// 16 bytes per iteration while R8 <= n-16.
	ADDQ $48, R9
	CMPQ R8, R9
	JGT  sse2_done

sse2_loop16:
	MOVOU (SI)(R8*1), X4
	PXOR  X0, X4
	MOVOU X4, (DI)(R8*1)
	ADDQ  $16, R8
	CMPQ  R8, R9
	JLE   sse2_loop16

sse2_done:
	MOVOU X1, (DI)
	MOVOU X2, -16(DI)(DX*1)
	RET
