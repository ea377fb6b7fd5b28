package main

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// progress shows what the default run is doing on stderr: one line
// rewritten in place on a terminal, plain lines otherwise.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	last string
}

func newProgress(w io.Writer) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty}
}

// step announces a new step: always printed.
func (p *progress) step(format string, args ...any) { p.show(fmt.Sprintf(format, args...), true) }

// update refines the current step: shown in place on a terminal only.
func (p *progress) update(format string, args ...any) { p.show(fmt.Sprintf(format, args...), false) }

func (p *progress) show(s string, step bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", s)
	case step:
		fmt.Fprintln(p.w, s)
	}
	p.last = s
}

// done ends the progress line.
func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.last != "" {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
