//go:build gc && !purego

#include "textflag.h"

// validUTF8Kernel checks the input 16 bytes at a time with the lookup
// algorithm of Keiser and Lemire, with the tables of the amd64 kernel;
// utf8_tables.go describes them and the error bits. The error bits of
// every block are ORed into V23, and the input is valid if V23 ends up
// zero.
//
// An all-ASCII block holds no error, except in its first bytes when the
// block before it ended in an unfinished sequence. So the loops test 128
// and then 64 bytes at a time with UMAXV and skip them if they are ASCII,
// after ORing in the "unfinished" bits of the last checked block (V21).
// Bytes before p count as ASCII (zero). The tables are loaded at the first
// block that is not ASCII, so ASCII text does not wait for them.
//
// The tail, n%16 bytes, is not copied: the kernel checks the last 16 bytes
// of the input again, as one block. Checking a byte twice does no harm,
// since its error bits depend only on it and the three bytes before it. If
// that last block is ASCII, only the bits of the last whole block are left
// to add, as for any ASCII block. Otherwise its prev1, prev2 and prev3 are
// loaded from p+n-17, p+n-18 and p+n-19, which is why n must be at least
// 19.
//
// The Go assembler has no UQSUB or UMAXV; they are written as WORDs, with
// the instruction in a comment.
//
// Instructions per 64 bytes in the steady state, counted in the
// disassembly (go tool objdump) of a GOARCH=arm64 test binary built with
// go1.26. No arm64 machine was available to time anything, so these are
// counts, not speeds:
//
//	                this kernel                Go loop in validUTF8
//	ASCII           7 (14 per 128-byte round)  22 (11 per 32-byte round)
//	not ASCII       78 (17 per 16-byte block,  about 700 to 1300: 31 per
//	                plus 10 per round)         2-byte code point, 37 per
//	                                           3-byte, 43 per 4-byte, 20
//	                                           per ASCII byte among them
//
// Per call: 6 instructions to start, 14 to load the tables at the first
// block that is not ASCII, 9 for each 16-byte block of the tail that is
// ASCII and 24 for each other, and 5 to 30 for the last 16 bytes.

// Registers:
//	R0 next byte, R1 bytes left (biased by the loop's step), R2 p+n,
//	R3 nonzero once the tables are loaded, R4 and R5 scratch
//	V0-V7 input blocks, V16-V19 their ORs; V4-V7 scratch in the checks
//	V21 the last checked block (zero after an ASCII one), V22 scratch,
//	V23 error bits, V24 the last 16 bytes of utf8EndMax,
//	V25 0x80, V26 0x70, V27 0x60, V31 0x0F in every byte,
//	V28 utf8CurHigh, V29 utf8Prev1Low, V30 utf8Prev1High

// UTF8_LOOKUP ORs into V23 the error bits of the block cur, given V4, V5
// and V6, which are cur shifted by one, two and three bytes (with the
// bytes before cur shifted in). It overwrites V4-V7.
//
// The bytes that must be the third or fourth of a sequence are where
// prev2 >= E0 or prev3 >= F0: the saturating subtractions of 60 and 70
// leave bit 7 set exactly there, and that bit is XORed with the
// utf8TwoConts bit of the lookups. TBL looks up the 16-entry tables; the
// high nibbles come from USHR, which shifts in zeros, the low one from AND.
#define UTF8_LOOKUP(cur) \
	WORD  $0x6e3b2ca5                  \
	WORD  $0x6e3a2cc6                  \
	VORR  V6.B16, V5.B16, V5.B16       \
	VAND  V25.B16, V5.B16, V5.B16      \
	VUSHR $4, V4.B16, V6.B16           \
	VTBL  V6.B16, [V30.B16], V6.B16    \
	VAND  V31.B16, V4.B16, V4.B16      \
	VTBL  V4.B16, [V29.B16], V4.B16    \
	VAND  V4.B16, V6.B16, V6.B16       \
	VUSHR $4, cur, V7.B16              \
	VTBL  V7.B16, [V28.B16], V7.B16    \
	VAND  V7.B16, V6.B16, V6.B16       \
	VEOR  V5.B16, V6.B16, V6.B16       \
	VORR  V6.B16, V23.B16, V23.B16

// The two WORDs of UTF8_LOOKUP are
//	UQSUB V5.16B, V5.16B, V27.16B	// prev2 - 0x60, saturating
//	UQSUB V6.16B, V6.16B, V26.16B	// prev3 - 0x70, saturating

// UTF8_CHECK ORs into V23 the error bits of the block cur, given the block
// before it, prev. EXT takes the last bytes of prev and the first of cur.
// It overwrites V4-V7.
#define UTF8_CHECK(cur, prev) \
	VEXT $15, cur, prev, V4.B16 \
	VEXT $14, cur, prev, V5.B16 \
	VEXT $13, cur, prev, V6.B16 \
	UTF8_LOOKUP(cur)

// UTF8_ASCII4 sets R4 to the largest byte of V0-V3: below 0x80 if they
// are all ASCII.
#define UTF8_ASCII4 \
	VORR V1.B16, V0.B16, V4.B16 \
	VORR V3.B16, V2.B16, V5.B16 \
	VORR V5.B16, V4.B16, V4.B16 \
	WORD $0x6e30a884            \
	VMOV V4.B[0], R4

// (UMAXV B4, V4.16B)

// UTF8_UNFINISHED ORs into V23 the "unfinished" bits of the last checked
// block, V21: nonzero where one of its last three bytes begins a sequence
// that runs past it. That is an error when an ASCII block or the end of the
// input follows. With V21 zero it adds nothing, whatever V24 holds.
#define UTF8_UNFINISHED \
	WORD $0x6e382eb6 \
	VORR V22.B16, V23.B16, V23.B16

// (UQSUB V22.16B, V21.16B, V24.16B)

// UTF8_TABLES loads the tables and constants once: it jumps to skip if R3
// says they are loaded. It uses R5.
#define UTF8_TABLES(skip) \
	CBNZ  R3, skip                      \
	MOVD  $1, R3                        \
	MOVD  $·utf8Prev1High(SB), R5       \
	VLD1  (R5), [V30.B16]               \
	MOVD  $·utf8Prev1Low(SB), R5        \
	VLD1  (R5), [V29.B16]               \
	MOVD  $·utf8CurHigh(SB), R5         \
	VLD1  (R5), [V28.B16]               \
	MOVD  $·utf8EndMax+16(SB), R5       \
	VLD1  (R5), [V24.B16]               \
	VMOVI $0x0f, V31.B16                \
	VMOVI $0x60, V27.B16                \
	VMOVI $0x70, V26.B16                \
	VMOVI $0x80, V25.B16

// func validUTF8Kernel(p *byte, n int) bool
TEXT ·validUTF8Kernel(SB), NOSPLIT, $0-17
	MOVD p+0(FP), R0
	MOVD n+8(FP), R1
	ADD  R0, R1, R2
	MOVD ZR, R3
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V23.B16, V23.B16, V23.B16

ascii:
	// Here V21 is zero: what came before was ASCII. First 128 bytes at a
	// time while R5 = bytes left - 128 >= 0; at the first chunk that is
	// not all ASCII, the 64-byte loop takes over at its start.
	SUBS $128, R1, R5
	BLT  ascii64

ascii128:
	VLD1.P 64(R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P 64(R0), [V4.B16, V5.B16, V6.B16, V7.B16]
	VORR   V1.B16, V0.B16, V16.B16
	VORR   V3.B16, V2.B16, V17.B16
	VORR   V5.B16, V4.B16, V18.B16
	VORR   V7.B16, V6.B16, V19.B16
	VORR   V17.B16, V16.B16, V16.B16
	VORR   V19.B16, V18.B16, V18.B16
	VORR   V18.B16, V16.B16, V16.B16
	WORD   $0x6e30aa10                                // UMAXV B16, V16.16B
	VMOV   V16.B[0], R4
	TBNZ   $7, R4, ascii128out
	SUBS   $128, R5, R5
	BGE    ascii128
	ADD    $128, R5, R1
	B      ascii64

ascii128out:
	SUB $128, R0
	ADD $128, R5, R1

ascii64:
	// R1 = bytes left; 64 at a time while there are that many.
	SUBS   $64, R1, R1
	BLT    tail64
	VLD1.P 64(R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	UTF8_ASCII4
	TBZ    $7, R4, ascii64
	UTF8_TABLES(mixed64)

mixed64:
	UTF8_CHECK(V0.B16, V21.B16)
	UTF8_CHECK(V1.B16, V0.B16)
	UTF8_CHECK(V2.B16, V1.B16)
	UTF8_CHECK(V3.B16, V2.B16)
	VMOV   V3.B16, V21.B16
	SUBS   $64, R1, R1
	BLT    tail64
	VLD1.P 64(R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	UTF8_ASCII4
	TBNZ   $7, R4, mixed64

	// An ASCII chunk after a checked one: a sequence that the checked
	// one ended in is cut short.
	UTF8_UNFINISHED
	VEOR V21.B16, V21.B16, V21.B16
	B    ascii

tail64:
	// R1 = bytes left - 64, so bytes left - 16 is R1 + 48: whole blocks
	// while that is >= 0, skipping ASCII ones as above.
	ADDS $48, R1, R1
	BLT  last

loop16:
	VLD1.P 16(R0), [V0.B16]
	WORD   $0x6e30a804                // UMAXV B4, V0.16B
	VMOV   V4.B[0], R4
	TBNZ   $7, R4, tables16
	UTF8_UNFINISHED
	VEOR   V21.B16, V21.B16, V21.B16
	SUBS   $16, R1, R1
	BGE    loop16
	B      last

tables16:
	UTF8_TABLES(mixed16)

mixed16:
	UTF8_CHECK(V0.B16, V21.B16)
	VMOV V0.B16, V21.B16
	SUBS $16, R1, R1
	BGE  loop16

last:
	// R1 = bytes left - 16: from -16 (none left) to -1.
	ADDS $16, R1, R1
	BEQ  done

	// The last 16 bytes, which overlap the last whole block.
	SUB  $16, R2, R5
	VLD1 (R5), [V0.B16]
	WORD $0x6e30a804            // UMAXV B4, V0.16B
	VMOV V4.B[0], R4
	TBZ  $7, R4, done
	UTF8_TABLES(lastprev)

lastprev:
	SUB  $17, R2, R5
	VLD1 (R5), [V4.B16]
	SUB  $18, R2, R5
	VLD1 (R5), [V5.B16]
	SUB  $19, R2, R5
	VLD1 (R5), [V6.B16]
	UTF8_LOOKUP(V0.B16)

	// Its "unfinished" bits replace those of the block before, which it
	// continues.
	VMOV V0.B16, V21.B16

done:
	// If the tables were never loaded, every block was ASCII.
	CBZ  R3, valid
	UTF8_UNFINISHED
	WORD $0x6e30aae4  // UMAXV B4, V23.16B
	VMOV V4.B[0], R4
	CMP  $0, R4
	CSET EQ, R4
	MOVB R4, ret+16(FP)
	RET

valid:
	MOVD $1, R4
	MOVB R4, ret+16(FP)
	RET
