package wstest

import (
	"net"
	"sync"
	"time"
)

// writer writes what a case queues, in order, from a goroutine of its
// own, so that queueing never blocks the case: it goes on reading whatever
// the peer does with what it was sent. A write that fails drops what is
// queued after it; the case learns of the failure from what it reads.
type writer struct {
	conn net.Conn
	mu   sync.Mutex
	q    []piece
	wake chan struct{}
	done chan struct{}
	quit bool
	err  error
}

// piece is one write, made after pause.
type piece struct {
	b     []byte
	pause time.Duration
}

func newWriter(conn net.Conn) *writer {
	w := &writer{conn: conn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go w.run()
	return w
}

// queue writes b after pause, once everything queued before it is written.
func (w *writer) queue(b []byte, pause time.Duration) {
	w.mu.Lock()
	w.q = append(w.q, piece{b, pause})
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *writer) run() {
	defer close(w.done)
	for {
		w.mu.Lock()
		if len(w.q) == 0 {
			quit := w.quit
			w.mu.Unlock()
			if quit {
				return
			}
			<-w.wake
			continue
		}
		pc := w.q[0]
		w.q[0] = piece{}
		w.q = w.q[1:]
		failed := w.err != nil || w.quit
		w.mu.Unlock()
		if failed {
			continue
		}
		if pc.pause > 0 {
			time.Sleep(pc.pause)
		}
		if _, err := w.conn.Write(pc.b); err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
		}
	}
}

// stop closes the connection, which ends a write under way, waits for the
// goroutine to end and returns the first write error from before.
func (w *writer) stop() error {
	w.mu.Lock()
	w.quit = true
	err := w.err
	w.mu.Unlock()
	w.conn.Close()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	<-w.done
	return err
}
