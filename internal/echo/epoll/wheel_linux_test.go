package epoll

import (
	"slices"
	"testing"
	"time"
)

// TestTickFor checks the wheel's resolution: an eighth of the shortest
// timeout, between 5 ms and 1 s.
func TestTickFor(t *testing.T) {
	for _, tc := range []struct{ shortest, want time.Duration }{
		{100 * time.Millisecond, 12500 * time.Microsecond},
		{10 * time.Millisecond, 5 * time.Millisecond},
		{5 * time.Second, 625 * time.Millisecond},
		{time.Minute, time.Second},
	} {
		if got := time.Duration(tickFor(tc.shortest)); got != tc.want {
			t.Errorf("tickFor(%v) = %v; want %v", tc.shortest, got, tc.want)
		}
	}
}

// TestWheel checks the lazy wheel: an entry fires in the first tick at or
// after its deadline; a later deadline leaves the entry where it is; an
// earlier one moves it, leaving a stale entry that never fires; removed
// connections never fire; deadlines more than a turn away wait their
// turn; each connection is counted once.
func TestWheel(t *testing.T) {
	w := &wheel{res: 10}
	a, b, c, d, e := &econn{fd: 1}, &econn{fd: 2}, &econn{fd: 3}, &econn{fd: 4}, &econn{fd: 5}
	w.add(a, 25)                // tick 3
	w.add(b, 100)               // tick 10
	w.add(b, 500)               // later: stays at 10
	w.add(c, 500)               // tick 50
	w.add(c, 100)               // earlier: moves to 10, stale at 50
	w.add(d, 40)                // tick 4
	w.remove(d)                 // never fires
	w.add(e, 10*wheelSlots+100) // tick 266: slot 10, next turn
	if w.n != 4 {
		t.Fatalf("%d connections in the wheel; want 4", w.n)
	}
	fds := func(cs []*econn) []int {
		var fds []int
		for _, c := range cs {
			fds = append(fds, c.fd)
		}
		slices.Sort(fds)
		return fds
	}
	for _, step := range []struct {
		now  int64
		want []int
	}{
		{29, nil},
		{30, []int{1}},
		{99, nil},
		{100, []int{2, 3}},
		{600, nil},                // c's stale entry at 50 goes
		{10*wheelSlots + 99, nil}, // e is a turn further on
		{10*wheelSlots + 100, []int{5}},
	} {
		if got := fds(w.advance(step.now)); !slices.Equal(got, step.want) {
			t.Errorf("advance(%d) fired %v; want %v", step.now, got, step.want)
		}
	}
	if w.n != 0 {
		t.Errorf("%d connections left in the wheel; want 0", w.n)
	}
	// A deadline already past goes in the next tick, not one already run.
	w.add(a, 5)
	if got := fds(w.advance(w.next())); !slices.Equal(got, []int{1}) {
		t.Errorf("a deadline in the past fired %v at the next tick; want [1]", got)
	}
}
