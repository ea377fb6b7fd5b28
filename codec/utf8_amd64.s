//go:build gc && !purego

#include "textflag.h"

// validUTF8Kernel jumps to validUTF8AVX512 when ·useAVX512UTF8 is set,
// and otherwise runs the AVX2 kernel, which follows: a CPU without AVX-512
// pays one compare and a branch not taken for the choice.

// The AVX2 kernel checks the input 32 bytes at a time with the lookup
// algorithm of Keiser and Lemire; utf8_tables.go describes the tables and
// the error bits. The error bits of every block are ORed into Y15, and the
// input is valid if Y15 ends up zero.
//
// An all-ASCII block holds no error, except in its first bytes when the
// block before it ended in an unfinished sequence. So the main loop tests
// 128 bytes at a time with VPMOVMSKB and skips them if they are ASCII,
// after ORing in the "unfinished" bits of the last checked block (Y14).
// Bytes before p count as ASCII (zero). The tables are loaded at the first
// block that is not ASCII, so ASCII text does not wait for them.
//
// The tail, n%32 bytes, is not copied: the kernel checks the last 32 bytes
// of the input again, as one block. Checking a byte twice does no harm,
// since its error bits depend only on it and the three bytes before it. If
// that last block is ASCII, only the bits of the last whole block are left
// to add, as for any ASCII block. Otherwise prev1, prev2 and prev3 of the
// last block are loaded from p+n-33, p+n-34 and p+n-35. When n is 33 or 34
// the last two of those begin before p; the kernel then builds the bytes
// before the last block from the first ones in a register instead.
//
// Inputs of 19 to 31 bytes are checked as one vector (see short16).
//
// Only VEX-encoded instructions are used, and VZEROUPPER comes before RET: a
// legacy SSE instruction with dirty upper halves costs about 230 ns here.
//
// Registers:
//	SI p, DX n, CX offset of the next block, R8 and R10 last offsets for
//	the loops, R9 nonzero once the tables are loaded
//	Y0-Y3 input blocks, Y4-Y6 scratch
//	Y7 0x80 in every byte, Y8 0x60 in every byte, Y9 0x0F in every byte
//	Y10 utf8CurHigh, Y11 utf8Prev1Low, Y12 utf8Prev1High (in both lanes)
//	Y13 the previous block, Y14 its "unfinished" bits, Y15 error bits

// UTF8_LOOKUP ORs into Y15 the error bits of the block cur, given the
// blocks p1, p2 and p3 that are cur shifted by one, two and three bytes
// (with the bytes before cur shifted in). It overwrites p1, p2 and p3.
//
// The bytes that must be the third or fourth of a sequence are where
// p2 >= E0 or p3 >= F0: the saturating subtractions leave bit 7 set exactly
// there, and that bit is XORed with the utf8TwoConts bit of the lookups.
#define UTF8_LOOKUP(cur, p1, p2, p3) \
	VPSUBUSB   Y8, p2, p2                \
	VPSUBUSB   utf8Sub70<>(SB), p3, p3   \
	VPOR       p3, p2, p2                \
	VPAND      Y7, p2, p2                \
	VPSRLW     $4, p1, p3                \
	VPAND      Y9, p3, p3                \
	VPSHUFB    p3, Y12, p3               \
	VPAND      Y9, p1, p1                \
	VPSHUFB    p1, Y11, p1               \
	VPAND      p1, p3, p3                \
	VPSRLW     $4, cur, p1               \
	VPAND      Y9, p1, p1                \
	VPSHUFB    p1, Y10, p1               \
	VPAND      p1, p3, p3                \
	VPXOR      p2, p3, p3                \
	VPOR       p3, Y15, Y15

// UTF8_CHECK ORs into Y15 the error bits of the block cur, given the block
// before it, prev. It overwrites Y4, Y5 and Y6. VPALIGNR shifts within
// 128-bit lanes, so the lane below each lane of cur is first lined up with
// VPERM2I128.
#define UTF8_CHECK(cur, prev) \
	VPERM2I128 $0x21, cur, prev, Y4 \
	VPALIGNR   $15, Y4, cur, Y5     \
	VPALIGNR   $13, Y4, cur, Y6     \
	VPALIGNR   $14, Y4, cur, Y4     \
	UTF8_LOOKUP(cur, Y5, Y4, Y6)

// UTF8_LOAD4 loads the 128 bytes at offset CX into Y0-Y3 and sets AX to
// the VPMOVMSKB of their OR: zero if they are all ASCII.
#define UTF8_LOAD4 \
	VMOVDQU   (SI)(CX*1), Y0   \
	VMOVDQU   32(SI)(CX*1), Y1 \
	VMOVDQU   64(SI)(CX*1), Y2 \
	VMOVDQU   96(SI)(CX*1), Y3 \
	VPOR      Y0, Y1, Y4       \
	VPOR      Y2, Y3, Y5       \
	VPOR      Y4, Y5, Y4       \
	VPMOVMSKB Y4, AX

// UTF8_TABLES loads the tables and constants once: it jumps to skip if R9
// says they are loaded. It uses AX.
#define UTF8_TABLES(skip) \
	TESTQ          R9, R9                   \
	JNZ            skip                     \
	MOVQ           $1, R9                   \
	VBROADCASTI128 ·utf8Prev1High(SB), Y12 \
	VBROADCASTI128 ·utf8Prev1Low(SB), Y11  \
	VBROADCASTI128 ·utf8CurHigh(SB), Y10   \
	MOVL           $0x0f0f0f0f, AX          \
	VMOVD          AX, X9                   \
	VPBROADCASTD   X9, Y9                   \
	MOVL           $0x60606060, AX          \
	VMOVD          AX, X8                   \
	VPBROADCASTD   X8, Y8                   \
	MOVL           $0x80808080, AX          \
	VMOVD          AX, X7                   \
	VPBROADCASTD   X7, Y7

// UTF8_AVX2_KERNEL is the AVX2 kernel, which validUTF8Kernel and
// validUTF8AVX2 both assemble: validUTF8Kernel falls into it after one
// compare of useAVX512UTF8, and validUTF8AVX2 gives tests the AVX2 kernel
// on a CPU that has AVX-512. Its labels are local to each.
#define UTF8_AVX2_KERNEL \
	MOVQ  p+0(FP), SI                                                       \
	MOVQ  n+8(FP), DX                                                       \
	XORQ  CX, CX                                                            \
	XORQ  R9, R9                                                            \
	VPXOR Y15, Y15, Y15                                                     \
	VPXOR Y14, Y14, Y14                                                     \
	VPXOR Y13, Y13, Y13                                                     \
	CMPQ  DX, $32                                                           \
	JLT   short16                                                           \
                                                                                \
	/* R8 = n-128 and R10 = n-256, the last offsets at which a whole        \
	   128- and 256-byte chunk fits. */                                     \
	MOVQ DX, R8                                                             \
	SUBQ $128, R8                                                           \
	LEAQ -128(R8), R10                                                      \
                                                                                \
ascii128:                                                                       \
	/* Here Y13 and Y14 are zero: what came before was ASCII. First 256     \
	   bytes at a time, ORed into two registers; at the first chunk that is \
	   not all ASCII, the 128-byte loop takes over. */                      \
	CMPQ CX, R10                                                            \
	JGT  ascii128only                                                       \
                                                                                \
ascii256:                                                                       \
	VMOVDQU   (SI)(CX*1), Y4                                                \
	VMOVDQU   128(SI)(CX*1), Y5                                             \
	VPOR      32(SI)(CX*1), Y4, Y4                                          \
	VPOR      160(SI)(CX*1), Y5, Y5                                         \
	VPOR      64(SI)(CX*1), Y4, Y4                                          \
	VPOR      192(SI)(CX*1), Y5, Y5                                         \
	VPOR      96(SI)(CX*1), Y4, Y4                                          \
	VPOR      224(SI)(CX*1), Y5, Y5                                         \
	VPOR      Y4, Y5, Y4                                                    \
	VPMOVMSKB Y4, AX                                                        \
	TESTL     AX, AX                                                        \
	JNZ       ascii128only                                                  \
	ADDQ      $256, CX                                                      \
	CMPQ      CX, R10                                                       \
	JLE       ascii256                                                      \
                                                                                \
ascii128only:                                                                   \
	CMPQ CX, R8                                                             \
	JGT  tail                                                               \
                                                                                \
asciiloop:                                                                      \
	UTF8_LOAD4                                                              \
	TESTL AX, AX                                                            \
	JNZ   tables128                                                         \
	ADDQ  $128, CX                                                          \
	CMPQ  CX, R8                                                            \
	JLE   asciiloop                                                         \
	JMP   tail                                                              \
                                                                                \
tables128:                                                                      \
	UTF8_TABLES(mixed128)                                                   \
                                                                                \
mixed128:                                                                       \
	UTF8_CHECK(Y0, Y13)                                                     \
	UTF8_CHECK(Y1, Y0)                                                      \
	UTF8_CHECK(Y2, Y1)                                                      \
	UTF8_CHECK(Y3, Y2)                                                      \
	VMOVDQU  Y3, Y13                                                        \
	VPSUBUSB ·utf8EndMax(SB), Y3, Y14                                       \
	ADDQ     $128, CX                                                       \
	CMPQ     CX, R8                                                         \
	JGT      tail                                                           \
	UTF8_LOAD4                                                              \
	TESTL    AX, AX                                                         \
	JNZ      mixed128                                                       \
                                                                                \
	/* An ASCII chunk after a checked one: a sequence that the checked      \
	   one ended in is cut short. */                                        \
	VPOR  Y14, Y15, Y15                                                     \
	VPXOR Y14, Y14, Y14                                                     \
	VPXOR Y13, Y13, Y13                                                     \
	ADDQ  $128, CX                                                          \
	JMP   ascii128                                                          \
                                                                                \
tail:                                                                           \
	/* Whole blocks, while CX <= n-32, skipping ASCII ones as above. */     \
	ADDQ $96, R8                                                            \
                                                                                \
loop32:                                                                         \
	CMPQ      CX, R8                                                        \
	JGT       last                                                          \
	VMOVDQU   (SI)(CX*1), Y0                                                \
	VPMOVMSKB Y0, AX                                                        \
	TESTL     AX, AX                                                        \
	JNZ       tables32                                                      \
	VPOR      Y14, Y15, Y15                                                 \
	VPXOR     Y14, Y14, Y14                                                 \
	VPXOR     Y13, Y13, Y13                                                 \
	ADDQ      $32, CX                                                       \
	JMP       loop32                                                        \
                                                                                \
tables32:                                                                       \
	UTF8_TABLES(mixed32)                                                    \
                                                                                \
mixed32:                                                                        \
	UTF8_CHECK(Y0, Y13)                                                     \
	VMOVDQU  Y0, Y13                                                        \
	VPSUBUSB ·utf8EndMax(SB), Y0, Y14                                       \
	ADDQ     $32, CX                                                        \
	JMP      loop32                                                         \
                                                                                \
last:                                                                           \
	CMPQ CX, DX                                                             \
	JEQ  done                                                               \
                                                                                \
	/* The last 32 bytes, which overlap the last whole block. */            \
	VMOVDQU   -32(SI)(DX*1), Y0                                             \
	VPMOVMSKB Y0, AX                                                        \
	TESTL     AX, AX                                                        \
	JZ        done                                                          \
	UTF8_TABLES(lastprev)                                                   \
                                                                                \
lastprev:                                                                       \
	CMPQ    DX, $35                                                         \
	JLT     short                                                           \
	VMOVDQU -33(SI)(DX*1), Y1                                               \
	VMOVDQU -34(SI)(DX*1), Y2                                               \
	VMOVDQU -35(SI)(DX*1), Y3                                               \
	UTF8_LOOKUP(Y0, Y1, Y2, Y3)                                             \
	JMP     lastend                                                         \
                                                                                \
short:                                                                          \
	/* n is 33 or 34, and the three bytes before the last block are         \
	   0, 0, p[0] or 0, p[0], p[1]. Y1 gets them at its top as the block    \
	   before the last one: the first 16 bytes in its high lane, shifted up \
	   by 15 or 14 bytes, and zeros below. */                               \
	VPXOR       Y1, Y1, Y1                                                  \
	VINSERTI128 $1, (SI), Y1, Y1                                            \
	CMPQ        DX, $34                                                     \
	JEQ         short34                                                     \
	VPSLLDQ     $15, Y1, Y1                                                 \
	JMP         shortcheck                                                  \
                                                                                \
short34:                                                                        \
	VPSLLDQ $14, Y1, Y1                                                     \
                                                                                \
shortcheck:                                                                     \
	UTF8_CHECK(Y0, Y1)                                                      \
                                                                                \
lastend:                                                                        \
	/* The "unfinished" bits of the last block replace those of the         \
	   block before, which it continues. */                                 \
	VPSUBUSB ·utf8EndMax(SB), Y0, Y14                                       \
                                                                                \
done:                                                                           \
	/* If the tables were never loaded, every block was ASCII. */           \
	TESTQ R9, R9                                                            \
	JZ    ascii                                                             \
                                                                                \
	VPOR       Y14, Y15, Y15                                                \
	VPTEST     Y15, Y15                                                     \
	SETEQ      ret+16(FP)                                                   \
	VZEROUPPER                                                              \
	RET                                                                     \
                                                                                \
ascii:                                                                          \
	MOVB       $1, ret+16(FP)                                               \
	VZEROUPPER                                                              \
	RET                                                                     \
                                                                                \
short16:                                                                        \
	/* 19 <= n < 32: one vector of the first 16 bytes (low lane) and the    \
	   last 16 (high lane), which overlap. prev1, prev2 and prev3 of the    \
	   low lane are its bytes shifted up, with zeros for the bytes before   \
	   p; those of the high lane are loaded from p+n-17, p+n-18, p+n-19. */ \
	UTF8_TABLES(short16go)                                                  \
                                                                                \
short16go:                                                                      \
	VMOVDQU     (SI), X0                                                    \
	VINSERTI128 $1, -16(SI)(DX*1), Y0, Y0                                   \
	VPSLLDQ     $1, X0, X1                                                  \
	VINSERTI128 $1, -17(SI)(DX*1), Y1, Y1                                   \
	VPSLLDQ     $2, X0, X2                                                  \
	VINSERTI128 $1, -18(SI)(DX*1), Y2, Y2                                   \
	VPSLLDQ     $3, X0, X3                                                  \
	VINSERTI128 $1, -19(SI)(DX*1), Y3, Y3                                   \
	UTF8_LOOKUP(Y0, Y1, Y2, Y3)                                             \
	VPSUBUSB    ·utf8EndMax(SB), Y0, Y14                                    \
	JMP         done

// func validUTF8Kernel(p *byte, n int) bool
TEXT ·validUTF8Kernel(SB), NOSPLIT, $0-17
	CMPB ·useAVX512UTF8(SB), $0
	JNE  avx512
	UTF8_AVX2_KERNEL

avx512:
	MOVBLZX ·useVBMIUTF8(SB), R12
	JMP     ·validUTF8AVX512Body(SB)

// func validUTF8AVX2(p *byte, n int) bool
TEXT ·validUTF8AVX2(SB), NOSPLIT, $0-17
	UTF8_AVX2_KERNEL

// utf8Sub70 is 0x70 in every byte: prev3-0x70 has bit 7 set where prev3 >= F0.
DATA utf8Sub70<>+0x00(SB)/8, $0x7070707070707070
DATA utf8Sub70<>+0x08(SB)/8, $0x7070707070707070
DATA utf8Sub70<>+0x10(SB)/8, $0x7070707070707070
DATA utf8Sub70<>+0x18(SB)/8, $0x7070707070707070
GLOBL utf8Sub70<>(SB), RODATA|NOPTR, $32

// validUTF8AVX512Body is the same algorithm on 64-byte blocks (ZMM
// registers, AVX512F and AVX512BW). Where the AVX2 kernel builds prev1,
// prev2 and prev3 of a block from the block before it with lane shuffles
// (four of its seven shuffles per block), this one loads them from
// p+off-1, p+off-2 and p+off-3: the shuffle port is the bottleneck, the
// load ports are not, and a byte's error bits depend only on it and the
// three bytes before it, so nothing is carried from block to block but the
// error bits (Z15) and the "unfinished" bits of the last checked block
// (Z14). VPTERNLOGD does the three-way AND of the lookups and "OR in
// (x XOR must-continue)" in one instruction each. On CPUs with AVX512VBMI
// (R12 nonzero) the loop over mixed text looks up with VPERMB instead of
// VPSHUFB, which needs no masking of the indexes: 10 instructions per
// block instead of 13.
//
// First the first 512 bytes, or all of a shorter input, are tested for
// ASCII, so that ASCII input skips what follows. The first block's prev
// bytes would begin before p; they are its own bytes shifted up, with
// zeros (ASCII) shifted in, as in the AVX2 kernel. After it the offsets
// are rounded up to a multiple of 64 from p's alignment (unless p is 62 or
// 63 bytes past one), so that the loads of the blocks themselves do not
// cross cache lines; the overlap is checked twice. ASCII is skipped 512
// bytes at a time (eight loads ORed by VPTERNLOGD), mixed text checked 256
// bytes at a time, the rest 64 at a time, and the last 64 bytes of the
// input are checked as one block, as in the AVX2 kernel.
//
// An input of up to 64 bytes is one block, loaded with a zeroing byte mask
// (a masked-off byte is not read and cannot fault) from p, or so that it
// ends at p+n if a block from p would run into the next page. The block
// never reaches into a page that holds no byte of the input: a masked load
// that does costs a microcode assist of about 500 ns here when that page is
// not mapped in, as a fresh page next to a new heap span often is.
//
// The kernel takes any n of at least 1. It uses no Z16-Z31, whose upper
// halves VZEROUPPER does not clean.
//
// 512 bits, not 256. The same kernel on YMM registers with EVEX encodings
// (mask registers and VPTERNLOGD; AVX512VL), which older Intel parts run
// without lowering their clock, was measured against it, before the VPERMB
// loop and the first ASCII test (commit d0cefa0; BenchmarkValidUTF8Kernel,
// median of 20 interleaved runs on a two-core Xeon with AVX512-FP16, that
// is Sapphire Rapids or later, shared with other jobs). Speed relative to
// the AVX2 kernel:
//
//	                 64 B   1 KiB  16 KiB  64 KiB
//	mixed, 512 bits  1.43   1.60   1.80    1.77
//	mixed, 256 bits  1.05   1.19   1.23    1.20
//	ASCII, 512 bits  1.09   1.31   1.70    1.26
//	ASCII, 256 bits  0.84   0.89   1.04    1.05
//
// With 256 bits the kernel does per 32 bytes what the 512-bit one does per
// 64, on three vector ports instead of two, so it checks mixed text about
// 1.5 times slower; and it skips ASCII with 32-byte loads, as the AVX2
// kernel does. This kernel, as it is now, on the same machine (GB/s and
// the ratio to AVX2 in the same run):
//
//	                 64 B        1 KiB        16 KiB       64 KiB
//	mixed, VPERMB     8.3 (1.25)  22.0 (1.81)  25.0 (2.11)  24.7 (2.01)
//	mixed, VPSHUFB    9.0 (1.35)  18.9 (1.56)  22.3 (1.89)  21.6 (1.76)
//	ASCII            10.4 (1.12)   151 (1.39)   284 (1.85)   134 (1.25)
//
// At 64 bytes the call costs most of the time; at 64 KiB ASCII both
// kernels wait for the L2 cache.
//
// Registers:
//	SI p, DX n, CX offset of the next block, R8 n-256, R10 n-512,
//	R9 nonzero once the tables are loaded, R12 nonzero for VPERMB,
//	K1 ASCII tests and the mask
//	Z0 blocks, Z1-Z3 prev1-prev3, Z4-Z5 scratch, Z6 utf8EndMax64
//	Z7 0x80, Z8 0x60, Z9 0x0F, Z13 0x70 in every byte
//	Z10 utf8CurHigh, Z11 utf8Prev1Low, Z12 utf8Prev1High (in all four lanes)
//	Z14 "unfinished" bits of the last checked block, Z15 error bits

// UTF8_LOOKUP512 ORs into Z15 the error bits of the block cur (a register
// or memory), given prev1, prev2 and prev3 in Z1, Z2 and Z3, which it
// overwrites, with Z4 and Z5. VPSHUFB looks up within each 128-bit lane,
// so the 16-byte tables are in all four lanes.
#define UTF8_LOOKUP512(cur) \
	VPSUBUSB   Z8, Z2, Z2         \
	VPSUBUSB   Z13, Z3, Z3        \
	VPTERNLOGD $0xA8, Z7, Z3, Z2  \ // Z2 = (Z2 | Z3) & 0x80: must continue
	VPSRLW     $4, Z1, Z4         \
	VPANDD     Z9, Z4, Z4         \
	VPSHUFB    Z4, Z12, Z4        \
	VPANDD     Z9, Z1, Z1         \
	VPSHUFB    Z1, Z11, Z1        \
	VPSRLW     $4, cur, Z5        \
	VPANDD     Z9, Z5, Z5         \
	VPSHUFB    Z5, Z10, Z5        \
	VPTERNLOGD $0x80, Z5, Z1, Z4  \ // Z4 = Z4 & Z1 & Z5
	VPTERNLOGD $0xF6, Z2, Z4, Z15   // Z15 |= Z4 ^ Z2

// UTF8_BLOCK512 ORs into Z15 the error bits of the block at offset
// CX+off, whose prev bytes are all at or after p.
#define UTF8_BLOCK512(off) \
	VMOVDQU64 off-1(SI)(CX*1), Z1 \
	VMOVDQU64 off-2(SI)(CX*1), Z2 \
	VMOVDQU64 off-3(SI)(CX*1), Z3 \
	UTF8_LOOKUP512(off(SI)(CX*1))

// UTF8_LOOKUP512V is UTF8_LOOKUP512 with VPERMB (AVX512VBMI), which looks
// up 64-byte tables with the low six bits of each index byte: with the
// 16-byte tables in all four lanes, any index gives the entry of its low
// nibble, so neither the bits that VPSRLW shifts in from the next byte nor
// bit 7 need masking off. It saves the three VPANDDs, 10 instructions per
// block instead of 13.
#define UTF8_LOOKUP512V(cur) \
	VPSUBUSB   Z8, Z2, Z2         \
	VPSUBUSB   Z13, Z3, Z3        \
	VPTERNLOGD $0xA8, Z7, Z3, Z2  \
	VPSRLW     $4, Z1, Z4         \
	VPERMB     Z12, Z4, Z4        \
	VPERMB     Z11, Z1, Z1        \
	VPSRLW     $4, cur, Z5        \
	VPERMB     Z10, Z5, Z5        \
	VPTERNLOGD $0x80, Z5, Z1, Z4  \
	VPTERNLOGD $0xF6, Z2, Z4, Z15

// UTF8_BLOCK512V is UTF8_BLOCK512 with UTF8_LOOKUP512V.
#define UTF8_BLOCK512V(off) \
	VMOVDQU64 off-1(SI)(CX*1), Z1 \
	VMOVDQU64 off-2(SI)(CX*1), Z2 \
	VMOVDQU64 off-3(SI)(CX*1), Z3 \
	UTF8_LOOKUP512V(off(SI)(CX*1))

// UTF8_PREVS512 sets Z1, Z2 and Z3 to the block cur shifted up by one, two
// and three bytes, with zeros shifted in: prev1-prev3 of a block with
// nothing before it. VPALIGNR shifts within 128-bit lanes, so VALIGND
// first lines up the lane below each lane (zeros below the lowest).
#define UTF8_PREVS512(cur) \
	VPXORQ   Z5, Z5, Z5       \
	VALIGND  $12, Z5, cur, Z4 \
	VPALIGNR $15, Z4, cur, Z1 \
	VPALIGNR $14, Z4, cur, Z2 \
	VPALIGNR $13, Z4, cur, Z3

// UTF8_ASCII256 sets K1 to the high bits of the 256 bytes at offset CX:
// KORTESTQ sets ZF if they are all ASCII. It uses Z0 and Z1.
#define UTF8_ASCII256 \
	VMOVDQU64  (SI)(CX*1), Z0                \
	VMOVDQU64  64(SI)(CX*1), Z1              \
	VPTERNLOGD $0xFE, 128(SI)(CX*1), Z1, Z0 \
	VPORQ      192(SI)(CX*1), Z0, Z0         \
	VPMOVB2M   Z0, K1                        \
	KORTESTQ   K1, K1

// UTF8_TABLES512 loads the tables and constants once: it jumps to skip if
// R9 says they are loaded. Broadcasts from memory are loads only, with
// nothing for the shuffle port.
#define UTF8_TABLES512(skip) \
	TESTQ           R9, R9                   \
	JNZ             skip                     \
	MOVQ            $1, R9                   \
	VBROADCASTI32X4 ·utf8Prev1High(SB), Z12  \
	VBROADCASTI32X4 ·utf8Prev1Low(SB), Z11   \
	VBROADCASTI32X4 ·utf8CurHigh(SB), Z10    \
	VMOVDQU64       utf8EndMax64<>(SB), Z6   \
	VPBROADCASTD    utf8Consts<>+0(SB), Z9   \
	VPBROADCASTD    utf8Consts<>+4(SB), Z8   \
	VPBROADCASTD    utf8Consts<>+8(SB), Z13  \
	VPBROADCASTD    utf8Consts<>+12(SB), Z7

// func validUTF8AVX512(p *byte, n int) bool
TEXT ·validUTF8AVX512(SB), NOSPLIT, $0-17
	XORL R12, R12
	JMP  ·validUTF8AVX512Body(SB)

// func validUTF8AVX512VBMI(p *byte, n int) bool
TEXT ·validUTF8AVX512VBMI(SB), NOSPLIT, $0-17
	MOVL $1, R12
	JMP  ·validUTF8AVX512Body(SB)

// func validUTF8AVX512Body(p *byte, n int) bool
TEXT ·validUTF8AVX512Body(SB), NOSPLIT, $0-17
	MOVQ   p+0(FP), SI
	MOVQ   n+8(FP), DX
	XORQ   R9, R9
	VPXORQ Z15, Z15, Z15
	VPXORQ Z14, Z14, Z14
	CMPQ   DX, $64
	JLE    small

	// First the first 512 bytes, or all of a shorter input, are tested
	// for ASCII with unaligned loads, overlapping when n is not a power of
	// two: an input of up to 512 ASCII bytes is done after one test, and
	// longer ASCII goes on from the last 64-byte boundary before p+512,
	// without the first block's shuffles.
	CMPQ DX, $512
	JGE  head512
	CMPQ DX, $256
	JGE  head256
	CMPQ DX, $128
	JGE  head128
	VMOVDQU64 (SI), Z0
	VPORQ     -64(SI)(DX*1), Z0, Z0
	JMP       headtest

head128:
	VMOVDQU64  (SI), Z0
	VMOVDQU64  64(SI), Z1
	VPTERNLOGD $0xFE, -128(SI)(DX*1), Z1, Z0
	VPORQ      -64(SI)(DX*1), Z0, Z0
	JMP        headtest

head256:
	VMOVDQU64  (SI), Z0
	VMOVDQU64  64(SI), Z1
	VPTERNLOGD $0xFE, 128(SI), Z1, Z0
	VMOVDQU64  192(SI), Z2
	VMOVDQU64  -256(SI)(DX*1), Z3
	VPTERNLOGD $0xFE, -192(SI)(DX*1), Z3, Z2
	VMOVDQU64  -128(SI)(DX*1), Z1
	VPTERNLOGD $0xFE, -64(SI)(DX*1), Z1, Z0
	VPORQ      Z2, Z0, Z0

headtest:
	VPMOVB2M Z0, K1
	KORTESTQ K1, K1
	JZ       done
	JMP      first

head512:
	VMOVDQU64  (SI), Z0
	VMOVDQU64  64(SI), Z1
	VPTERNLOGD $0xFE, 128(SI), Z1, Z0
	VMOVDQU64  192(SI), Z2
	VMOVDQU64  256(SI), Z3
	VPTERNLOGD $0xFE, 320(SI), Z3, Z2
	VMOVDQU64  384(SI), Z1
	VPTERNLOGD $0xFE, 448(SI), Z1, Z0
	VPORQ      Z2, Z0, Z0
	VPMOVB2M   Z0, K1
	KORTESTQ   K1, K1
	JNZ        first
	MOVQ       SI, AX
	ANDQ       $63, AX
	MOVQ       $512, CX
	SUBQ       AX, CX
	LEAQ       -256(DX), R8
	LEAQ       -512(DX), R10
	JMP        ascii

first:
	// The first block.
	VMOVDQU64 (SI), Z0
	VPMOVB2M  Z0, K1
	KORTESTQ  K1, K1
	JZ        firstascii
	UTF8_TABLES512(firstgo)

firstgo:
	UTF8_PREVS512(Z0)
	UTF8_LOOKUP512(Z0)
	VPSUBUSB Z6, Z0, Z14

firstascii:
	// CX = 64 - p%64, the first offset after 0 at which a block is 64-byte
	// aligned, unless that is 1 or 2, where the block's prev3 would begin
	// before p: then CX = 64, and the blocks stay unaligned. R8 = n-256
	// and R10 = n-512, the last offsets at which a 256- and a 512-byte
	// chunk fit.
	MOVQ    SI, AX
	ANDQ    $63, AX
	MOVQ    $64, CX
	SUBQ    AX, CX
	MOVQ    $64, AX
	CMPQ    CX, $3
	CMOVQLT AX, CX
	LEAQ  -256(DX), R8
	LEAQ  -512(DX), R10
	TESTQ R9, R9
	JZ    ascii
	TESTL R12, R12
	JNZ   vbminext
	JMP   mixednext

ascii:
	// Here Z14 is zero: what came before was ASCII, or its unfinished bits
	// are in Z15 already. 512 bytes at a time, then 256; at the first
	// 256-byte chunk that is not all ASCII, the mixed loop takes over.
	CMPQ CX, R10
	JGT  ascii256

ascii512:
	VMOVDQU64  (SI)(CX*1), Z0
	VMOVDQU64  64(SI)(CX*1), Z1
	VPTERNLOGD $0xFE, 128(SI)(CX*1), Z1, Z0
	VMOVDQU64  192(SI)(CX*1), Z2
	VMOVDQU64  256(SI)(CX*1), Z3
	VPTERNLOGD $0xFE, 320(SI)(CX*1), Z3, Z2
	VMOVDQU64  384(SI)(CX*1), Z1
	VPTERNLOGD $0xFE, 448(SI)(CX*1), Z1, Z0
	VPORQ      Z2, Z0, Z0
	VPMOVB2M   Z0, K1
	KORTESTQ   K1, K1
	JNZ        split512
	ADDQ       $512, CX
	CMPQ       CX, R10
	JLE        ascii512

ascii256:
	CMPQ CX, R8
	JGT  asciiend
	UTF8_ASCII256
	JNZ  mixed256
	ADDQ $256, CX

asciiend:
	// Less than 256 bytes are left. If they are ASCII, so that the last
	// 256 bytes are, the input is done.
	CMPQ CX, DX
	JEQ  done
	CMPQ DX, $256
	JLT  tail64
	VMOVDQU64  -256(SI)(DX*1), Z0
	VMOVDQU64  -192(SI)(DX*1), Z1
	VPTERNLOGD $0xFE, -128(SI)(DX*1), Z1, Z0
	VPORQ      -64(SI)(DX*1), Z0, Z0
	VPMOVB2M   Z0, K1
	KORTESTQ   K1, K1
	JZ         done
	JMP        tail64

split512:
	// One half of the 512 bytes is not ASCII: if the first half is, it is
	// the second.
	UTF8_ASCII256
	JNZ  mixed256
	ADDQ $256, CX

mixed256:
	UTF8_TABLES512(mixed256sel)

mixed256sel:
	TESTL R12, R12
	JNZ   vbmi256

mixed256go:
	UTF8_BLOCK512(0)
	UTF8_BLOCK512(64)
	UTF8_BLOCK512(128)
	UTF8_BLOCK512(192)
	VMOVDQU64 192(SI)(CX*1), Z0
	VPSUBUSB  Z6, Z0, Z14
	ADDQ      $256, CX

mixednext:
	// After a checked block: the next chunk is checked too unless it is
	// ASCII, and then a sequence that the checked block ended in is cut
	// short.
	CMPQ   CX, R8
	JGT    tail64
	UTF8_ASCII256
	JNZ    mixed256go
	VPORQ  Z14, Z15, Z15
	VPXORQ Z14, Z14, Z14
	ADDQ   $256, CX
	JMP    ascii

vbmi256:
	// The same loop with VPERMB.
	UTF8_BLOCK512V(0)
	UTF8_BLOCK512V(64)
	UTF8_BLOCK512V(128)
	UTF8_BLOCK512V(192)
	VMOVDQU64 192(SI)(CX*1), Z0
	VPSUBUSB  Z6, Z0, Z14
	ADDQ      $256, CX

vbminext:
	CMPQ   CX, R8
	JGT    tail64
	UTF8_ASCII256
	JNZ    vbmi256
	VPORQ  Z14, Z15, Z15
	VPXORQ Z14, Z14, Z14
	ADDQ   $256, CX
	JMP    ascii

tail64:
	// Whole blocks, while CX <= n-64, skipping ASCII ones as above.
	LEAQ -64(DX), R8

loop64:
	CMPQ      CX, R8
	JGT       last
	VMOVDQU64 (SI)(CX*1), Z0
	VPMOVB2M  Z0, K1
	KORTESTQ  K1, K1
	JNZ       tables64
	VPORQ     Z14, Z15, Z15
	VPXORQ    Z14, Z14, Z14
	ADDQ      $64, CX
	JMP       loop64

tables64:
	UTF8_TABLES512(mixed64)

mixed64:
	UTF8_BLOCK512(0)
	VPSUBUSB Z6, Z0, Z14
	ADDQ     $64, CX
	JMP      loop64

last:
	// The last 64 bytes, which overlap the last whole block. Its "unfinished"
	// bits replace those of the block before, which it continues; if it
	// is ASCII, they stay, and done adds them.
	CMPQ      CX, DX
	JEQ       done
	VMOVDQU64 -64(SI)(DX*1), Z0
	VPMOVB2M  Z0, K1
	KORTESTQ  K1, K1
	JZ        done
	UTF8_TABLES512(lastgo)

lastgo:
	CMPQ      DX, $67
	JLT       last65
	VMOVDQU64 -65(SI)(DX*1), Z1
	VMOVDQU64 -66(SI)(DX*1), Z2
	VMOVDQU64 -67(SI)(DX*1), Z3
	JMP       lastcheck

last65:
	// n is 65 or 66: the last block begins at p+1 or p+2, and its prev3
	// (and prev2) would begin before p. They are the first 64 bytes
	// shifted up by one or two, as in UTF8_PREVS512.
	VPXORQ    Z5, Z5, Z5
	CMPQ      DX, $66
	JEQ       last66
	VMOVDQU64 (SI), Z1
	VALIGND   $12, Z5, Z1, Z4
	VPALIGNR  $15, Z4, Z1, Z2
	VPALIGNR  $14, Z4, Z1, Z3
	JMP       lastcheck

last66:
	VMOVDQU64 1(SI), Z1
	VMOVDQU64 (SI), Z2
	VALIGND   $12, Z5, Z2, Z4
	VPALIGNR  $15, Z4, Z2, Z3

lastcheck:
	UTF8_LOOKUP512(Z0)
	VPSUBUSB Z6, Z0, Z14

done:
	// If the tables were never loaded, every block was ASCII.
	TESTQ      R9, R9
	JZ         asciiret
	VPORQ      Z14, Z15, Z15
	VPTESTMB   Z15, Z15, K1
	KORTESTQ   K1, K1
	SETEQ      ret+16(FP)
	VZEROUPPER
	RET

asciiret:
	MOVB       $1, ret+16(FP)
	VZEROUPPER
	RET

small:
	// 1 <= n <= 64: the mask keeps n bytes, the low ones (SHRQ) of a block
	// at p when that stays within p's 4 KiB page, else the high ones (SHLQ)
	// of the block that ends at p+n, at BX. A block at p needs no end check
	// of its own: the zero after the input reads as ASCII, and the lookup
	// finds a sequence cut short there as anywhere else. The end check
	// with utf8EndMax64 only adds errors that are errors.
	MOVQ  $64, CX
	SUBQ  DX, CX
	MOVQ  $-1, AX
	MOVQ  SI, BX
	ANDQ  $4095, BX
	CMPQ  BX, $(4096-64)
	JHI   smallend
	SHRQ  CX, AX
	MOVQ  SI, BX
	JMP   smallload

smallend:
	SHLQ CX, AX
	MOVQ SI, BX
	SUBQ CX, BX

smallload:
	KMOVQ      AX, K1
	VMOVDQU8.Z (BX), K1, Z0
	VPMOVB2M   Z0, K1
	KORTESTQ   K1, K1
	JZ         done
	UTF8_TABLES512(smallgo)

smallgo:
	UTF8_PREVS512(Z0)
	JMP lastcheck

// utf8EndMax64 is utf8EndMax for 64-byte blocks: BF, DF and EF in bytes
// 63, 62 and 61, FF in the others.
DATA utf8EndMax64<>+0x00(SB)/8, $0xffffffffffffffff
DATA utf8EndMax64<>+0x08(SB)/8, $0xffffffffffffffff
DATA utf8EndMax64<>+0x10(SB)/8, $0xffffffffffffffff
DATA utf8EndMax64<>+0x18(SB)/8, $0xffffffffffffffff
DATA utf8EndMax64<>+0x20(SB)/8, $0xffffffffffffffff
DATA utf8EndMax64<>+0x28(SB)/8, $0xffffffffffffffff
DATA utf8EndMax64<>+0x30(SB)/8, $0xffffffffffffffff
DATA utf8EndMax64<>+0x38(SB)/8, $0xbfdfefffffffffff
GLOBL utf8EndMax64<>(SB), RODATA|NOPTR, $64

// utf8Consts holds 0x0F, 0x60, 0x70 and 0x80, four bytes of each, for
// UTF8_TABLES512 to broadcast.
DATA utf8Consts<>+0x00(SB)/4, $0x0f0f0f0f
DATA utf8Consts<>+0x04(SB)/4, $0x60606060
DATA utf8Consts<>+0x08(SB)/4, $0x70707070
DATA utf8Consts<>+0x0c(SB)/4, $0x80808080
GLOBL utf8Consts<>(SB), RODATA|NOPTR, $16
