package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/wsnet"
)

// Message is what the room sends to its members, as a JSON text message.
// Members' lines have an empty Event; the room's own notices say "join"
// or "leave", with From naming who came or went and Text a sentence a
// plain client can print as it is.
type Message struct {
	From  string    `json:"from"`
	Text  string    `json:"text"`
	Time  time.Time `json:"time"`
	Event string    `json:"event,omitempty"`
}

// The events of the room's notices.
const (
	EventJoin  = "join"
	EventLeave = "leave"
)

// errNotText ends a member that sent a binary message.
var errNotText = errors.New("chat: binary message")

// Room is a broadcast chat room: every text message a member sends goes
// to every member, the sender included, in the same order for all.
//
// A member that cannot keep up does not slow the others down: each has
// its own bounded queue, drained by its own goroutine, and a broadcast
// never waits on a queue. A member whose queue is full is dropped.
type Room struct {
	queueSize int
	log       *slog.Logger

	mu      sync.Mutex
	members map[*member]struct{}
	closed  bool           // Close was called: no notices, no new members
	serving sync.WaitGroup // one per running Serve; Added only while !closed
}

// member is one connection in the room.
type member struct {
	name  string
	conn  *wsnet.Conn
	queue chan *wsnet.PreparedMessage // what is still to be written to conn
}

// NewRoom returns an empty room whose members each queue at most
// queueSize messages; log may be nil.
func NewRoom(queueSize int, log *slog.Logger) *Room {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Room{queueSize: max(queueSize, 1), log: log, members: make(map[*member]struct{})}
}

// Len returns the number of members.
func (r *Room) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.members)
}

// Serve makes conn a member called name until the connection ends, and
// returns then. It reads on the calling goroutine and writes on another,
// as a member needs both at once: reading answers the keepalive pings and
// sees the peer's close frame, while writing may be held up by a slow
// peer. After Close, it closes conn with 1001 (going away) at once.
func (r *Room) Serve(conn *wsnet.Conn, name string) {
	if !r.enter() {
		conn.Close(codec.CloseGoingAway, "chat room is closing")
		return
	}
	defer r.serving.Done()
	m := &member{name: name, conn: conn, queue: make(chan *wsnet.PreparedMessage, r.queueSize)}
	written := make(chan struct{})
	go func() {
		defer close(written)
		m.writeLoop()
	}()
	r.join(m)
	err := r.readLoop(m)
	r.leave(m, err)
	// Reading ends only when the connection has ended (wsnet closes it
	// on every error but a timeout, and no deadline is set here), so this
	// is a safety net that interrupts no closing handshake.
	conn.CloseNow()
	<-written
}

// enter counts a Serve in, unless the room is closed.
func (r *Room) enter() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.serving.Add(1)
	return true
}

// Close stops the room's notices and turns new members away. It leaves
// the members' connections alone: the wsnet.Server's Shutdown closes
// them with 1001, and without Close every member leaving then would be
// announced to all those still leaving.
func (r *Room) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
}

// Wait waits, after Close, until every Serve has returned, at most until
// ctx ends, and returns ctx's error then.
func (r *Room) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		r.serving.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// join adds m and announces it, to m as well: being in the map first
// makes m's own join the first thing m receives.
func (r *Room) join(m *member) {
	r.mu.Lock()
	r.members[m] = struct{}{}
	r.mu.Unlock()
	r.log.Info("join", "name", m.name, "remote", m.conn.RemoteAddr())
	r.broadcast(Message{From: m.name, Text: m.name + " joined", Event: EventJoin})
}

// leave removes m, if a drop has not already, and announces that it left.
func (r *Room) leave(m *member, err error) {
	r.mu.Lock()
	delete(r.members, m)
	r.mu.Unlock()
	r.log.Info("leave", "name", m.name, "err", err)
	r.broadcast(Message{From: m.name, Text: m.name + " left", Event: EventLeave})
}

// readLoop broadcasts each text message m sends, until its connection
// ends, and returns why it ended.
func (r *Room) readLoop(m *member) error {
	var buf []byte
	for {
		// context.Background: the read ends when the connection does, by
		// the peer, keepalive, a drop or the server's Shutdown.
		op, p, err := m.conn.ReadMessage(context.Background(), buf[:0])
		if err != nil {
			return err
		}
		if op != codec.OpText {
			// The room relays text; 1003 (unsupported data) tells the
			// peer exactly that, where ignoring it would hide a bug.
			m.conn.Close(codec.CloseUnsupportedData, "text messages only")
			return errNotText
		}
		r.broadcast(Message{From: m.name, Text: string(p)})
		buf = p // reused: its bytes were copied into the string
	}
}

// broadcast sends msg, stamped with the time, to every member: encoded
// once as JSON and prepared once (so compressed once) for all of them.
func (r *Room) broadcast(msg Message) {
	msg.Time = time.Now().UTC()
	b, err := json.Marshal(msg)
	if err != nil { // strings and a time: cannot happen
		r.log.Error("encode", "err", err)
		return
	}
	pm, err := wsnet.NewPreparedMessage(codec.OpText, b)
	if err != nil {
		r.log.Error("prepare", "err", err)
		return
	}
	// Queuing under the lock gives every member the same order, and costs
	// little: no send here waits.
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	for m := range r.members {
		select {
		case m.queue <- pm:
		default:
			r.dropLocked(m)
		}
	}
}

// dropLocked removes m, whose queue is full, and closes its connection;
// r.mu is held.
//
// The close code is 1013 (try again later), not 1008 (policy violation):
// the member broke no rule, it fell behind, which is a passing condition
// of its link or machine. 1013 is the code registered for a server
// "casting off some of its clients" under load, and it tells the client
// that reconnecting is fine, which is how it catches up; 1008 would read
// as a refusal not worth retrying.
func (r *Room) dropLocked(m *member) {
	delete(r.members, m)
	r.log.Warn("drop", "name", m.name, "reason", "queue full", "queue", cap(m.queue))
	// Close waits for the peer, up to its CloseTimeout, and must not hold
	// up the broadcast. A write stuck on the peer gives up by then too.
	go m.conn.Close(codec.CloseTryAgainLater, "too slow: fell behind the room")
}

// writeLoop writes m's queue to its connection until the connection ends
// or a write fails.
func (m *member) writeLoop() {
	for {
		select {
		case pm := <-m.queue:
			// context.Background: a write that waits on a slow peer is
			// ended by the drop's Close (its deadline), keepalive or
			// Shutdown, all of which close the connection. A per-write
			// context that ended would only leave the connection open.
			if err := m.conn.WritePreparedMessage(context.Background(), pm); err != nil {
				// The connection is closing or closed; the reader sees
				// its end and leaves the room.
				return
			}
		case <-m.conn.Done():
			return
		}
	}
}
