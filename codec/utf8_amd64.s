//go:build gc && !purego

#include "textflag.h"

// validUTF8Kernel checks the input 32 bytes at a time with the lookup
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

// func validUTF8Kernel(p *byte, n int) bool
TEXT ·validUTF8Kernel(SB), NOSPLIT, $0-17
	MOVQ  p+0(FP), SI
	MOVQ  n+8(FP), DX
	XORQ  CX, CX
	XORQ  R9, R9
	VPXOR Y15, Y15, Y15
	VPXOR Y14, Y14, Y14
	VPXOR Y13, Y13, Y13
	CMPQ  DX, $32
	JLT   short16

	// R8 = n-128 and R10 = n-256, the last offsets at which a whole
	// 128- and 256-byte chunk fits.
	MOVQ DX, R8
	SUBQ $128, R8
	LEAQ -128(R8), R10

ascii128:
	// Here Y13 and Y14 are zero: what came before was ASCII. First 256
	// bytes at a time, ORed into two registers; at the first chunk that is
	// not all ASCII, the 128-byte loop takes over.
	CMPQ CX, R10
	JGT  ascii128only

ascii256:
	VMOVDQU   (SI)(CX*1), Y4
	VMOVDQU   128(SI)(CX*1), Y5
	VPOR      32(SI)(CX*1), Y4, Y4
	VPOR      160(SI)(CX*1), Y5, Y5
	VPOR      64(SI)(CX*1), Y4, Y4
	VPOR      192(SI)(CX*1), Y5, Y5
	VPOR      96(SI)(CX*1), Y4, Y4
	VPOR      224(SI)(CX*1), Y5, Y5
	VPOR      Y4, Y5, Y4
	VPMOVMSKB Y4, AX
	TESTL     AX, AX
	JNZ       ascii128only
	ADDQ      $256, CX
	CMPQ      CX, R10
	JLE       ascii256

ascii128only:
	CMPQ CX, R8
	JGT  tail

asciiloop:
	UTF8_LOAD4
	TESTL AX, AX
	JNZ   tables128
	ADDQ  $128, CX
	CMPQ  CX, R8
	JLE   asciiloop
	JMP   tail

tables128:
	UTF8_TABLES(mixed128)

mixed128:
	UTF8_CHECK(Y0, Y13)
	UTF8_CHECK(Y1, Y0)
	UTF8_CHECK(Y2, Y1)
	UTF8_CHECK(Y3, Y2)
	VMOVDQU  Y3, Y13
	VPSUBUSB ·utf8EndMax(SB), Y3, Y14
	ADDQ     $128, CX
	CMPQ     CX, R8
	JGT      tail
	UTF8_LOAD4
	TESTL    AX, AX
	JNZ      mixed128

	// An ASCII chunk after a checked one: a sequence that the checked
	// one ended in is cut short.
	VPOR  Y14, Y15, Y15
	VPXOR Y14, Y14, Y14
	VPXOR Y13, Y13, Y13
	ADDQ  $128, CX
	JMP   ascii128

tail:
	// Whole blocks, while CX <= n-32, skipping ASCII ones as above.
	ADDQ $96, R8

loop32:
	CMPQ      CX, R8
	JGT       last
	VMOVDQU   (SI)(CX*1), Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JNZ       tables32
	VPOR      Y14, Y15, Y15
	VPXOR     Y14, Y14, Y14
	VPXOR     Y13, Y13, Y13
	ADDQ      $32, CX
	JMP       loop32

tables32:
	UTF8_TABLES(mixed32)

mixed32:
	UTF8_CHECK(Y0, Y13)
	VMOVDQU  Y0, Y13
	VPSUBUSB ·utf8EndMax(SB), Y0, Y14
	ADDQ     $32, CX
	JMP      loop32

last:
	CMPQ CX, DX
	JEQ  done

	// The last 32 bytes, which overlap the last whole block.
	VMOVDQU   -32(SI)(DX*1), Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JZ        done
	UTF8_TABLES(lastprev)

lastprev:
	CMPQ    DX, $35
	JLT     short
	VMOVDQU -33(SI)(DX*1), Y1
	VMOVDQU -34(SI)(DX*1), Y2
	VMOVDQU -35(SI)(DX*1), Y3
	UTF8_LOOKUP(Y0, Y1, Y2, Y3)
	JMP     lastend

short:
	// n is 33 or 34, and the three bytes before the last block are
	// 0, 0, p[0] or 0, p[0], p[1]. Y1 gets them at its top as the block
	// before the last one: the first 16 bytes in its high lane, shifted up
	// by 15 or 14 bytes, and zeros below.
	VPXOR       Y1, Y1, Y1
	VINSERTI128 $1, (SI), Y1, Y1
	CMPQ        DX, $34
	JEQ         short34
	VPSLLDQ     $15, Y1, Y1
	JMP         shortcheck

short34:
	VPSLLDQ $14, Y1, Y1

shortcheck:
	UTF8_CHECK(Y0, Y1)

lastend:
	// The "unfinished" bits of the last block replace those of the
	// block before, which it continues.
	VPSUBUSB ·utf8EndMax(SB), Y0, Y14

done:
	// If the tables were never loaded, every block was ASCII.
	TESTQ R9, R9
	JZ    ascii

	VPOR       Y14, Y15, Y15
	VPTEST     Y15, Y15
	SETEQ      ret+16(FP)
	VZEROUPPER
	RET

ascii:
	MOVB       $1, ret+16(FP)
	VZEROUPPER
	RET

short16:
	// 19 <= n < 32: one vector of the first 16 bytes (low lane) and the
	// last 16 (high lane), which overlap. prev1, prev2 and prev3 of the
	// low lane are its bytes shifted up, with zeros for the bytes before
	// p; those of the high lane are loaded from p+n-17, p+n-18, p+n-19.
	UTF8_TABLES(short16go)

short16go:
	VMOVDQU     (SI), X0
	VINSERTI128 $1, -16(SI)(DX*1), Y0, Y0
	VPSLLDQ     $1, X0, X1
	VINSERTI128 $1, -17(SI)(DX*1), Y1, Y1
	VPSLLDQ     $2, X0, X2
	VINSERTI128 $1, -18(SI)(DX*1), Y2, Y2
	VPSLLDQ     $3, X0, X3
	VINSERTI128 $1, -19(SI)(DX*1), Y3, Y3
	UTF8_LOOKUP(Y0, Y1, Y2, Y3)
	VPSUBUSB    ·utf8EndMax(SB), Y0, Y14
	JMP         done

// utf8Sub70 is 0x70 in every byte: prev3-0x70 has bit 7 set where prev3 >= F0.
DATA utf8Sub70<>+0x00(SB)/8, $0x7070707070707070
DATA utf8Sub70<>+0x08(SB)/8, $0x7070707070707070
DATA utf8Sub70<>+0x10(SB)/8, $0x7070707070707070
DATA utf8Sub70<>+0x18(SB)/8, $0x7070707070707070
GLOBL utf8Sub70<>(SB), RODATA|NOPTR, $32
