//go:build linux

package codec

import (
	"bytes"
	"syscall"
	"testing"
)

// guardedBuffer maps size bytes of read-write memory with an inaccessible
// page on each side, so that touching a byte before or after the buffer
// kills the test with SIGSEGV. The buffer ends exactly at the upper guard
// page; b[i:] for any i therefore ends at the boundary too.
type guardedBuffer struct {
	mem []byte // whole mapping, guards included
	b   []byte
}

func newGuardedBuffer(t *testing.T, size int) *guardedBuffer {
	t.Helper()
	page := syscall.Getpagesize()
	inner := (size + page - 1) / page * page
	if inner == 0 {
		inner = page
	}
	mem, err := syscall.Mmap(-1, 0, inner+2*page, syscall.PROT_NONE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[page:page+inner], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	return &guardedBuffer{mem: mem, b: mem[page+inner-size : page+inner]}
}

// start returns n bytes that begin right after the lower guard page.
func (g *guardedBuffer) start(n int) []byte {
	page := syscall.Getpagesize()
	return g.mem[page : page+n]
}

// end returns n bytes that end right before the upper guard page.
func (g *guardedBuffer) end(n int) []byte { return g.b[len(g.b)-n:] }

// TestMaskGuardPages runs every kernel on slices that begin or end at an
// inaccessible page, for every length up to 1024 and some larger ones, so
// any read or write outside the slice crashes the test.
func TestMaskGuardPages(t *testing.T) {
	const maxN = 70000
	srcG := newGuardedBuffer(t, maxN)
	dstG := newGuardedBuffer(t, maxN)
	key := [4]byte{9, 8, 7, 6}
	lengths := maskLengths(t)
	forEachKernel(t, func(t *testing.T) {
		for _, n := range lengths {
			if n > maxN {
				continue
			}
			want := make([]byte, n)
			for _, place := range []string{"start", "end"} {
				var src, dst []byte
				if place == "start" {
					src, dst = srcG.start(n), dstG.start(n)
				} else {
					src, dst = srcG.end(n), dstG.end(n)
				}
				for i := range src {
					src[i] = byte(i)
				}
				maskRef(want, src, key, 1)
				MaskCopy(dst, src, key, 1)
				if !bytes.Equal(dst, want) {
					t.Fatalf("MaskCopy(n=%d) at guard %s differs from the byte loop", n, place)
				}
				Mask(src, key, 1)
				if !bytes.Equal(src, want) {
					t.Fatalf("Mask(n=%d) at guard %s differs from the byte loop", n, place)
				}
			}
		}
	})
}
