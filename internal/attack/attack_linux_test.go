package attack

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/wsnet"
)

// slack is what the tests allow on top of a timeout: a loaded CI machine
// runs the server's timers late.
const slack = 700 * time.Millisecond

// TestSilentConnections: connections that send nothing, slowloris
// connections (a byte of the request every 100 ms) and unfinished
// handshakes are all closed at the handshake timeout.
func TestSilentConnections(t *testing.T) {
	engines(t, func(t *testing.T, eng string) {
		const timeout = 400 * time.Millisecond
		s := serve(t, eng, "", "-handshake-timeout", timeout.String())
		head := []byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
		var conns []net.Conn
		for range 100 {
			conns = append(conns, s.dial(t)) // silent
		}
		for range 20 {
			c := s.dial(t)
			c.Write(head[:20]) // unfinished
			conns = append(conns, c)
		}
		stop := make(chan struct{})
		defer close(stop)
		for range 20 {
			c := s.dial(t)
			go func() { // slowloris
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
					}
					if _, err := c.Write(head[i%len(head) : i%len(head)+1]); err != nil {
						return
					}
				}
			}()
			conns = append(conns, c)
		}
		var worst time.Duration
		for _, c := range conns {
			worst = max(worst, closedWithin(t, c, timeout+slack))
		}
		t.Logf("%d connections closed, the last after %v (timeout %v)", len(conns), worst.Round(time.Millisecond), timeout)
		if st := s.stats(t); st.Timeouts.Handshake < int64(len(conns)) {
			t.Errorf("/stats counts %d handshake timeouts; want %d", st.Timeouts.Handshake, len(conns))
		}
		s.echoes(t, 2*time.Second)
	})
}

// TestSilentWebSockets: upgraded connections that go silent and do not
// answer the idle ping are closed at idle + ping timeout; a client that
// answers stays.
func TestSilentWebSockets(t *testing.T) {
	engines(t, func(t *testing.T, eng string) {
		const idle, ping = 300 * time.Millisecond, 200 * time.Millisecond
		s := serve(t, eng, "", "-idle-timeout", idle.String(), "-ping-timeout", ping.String())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		live, err := wsnet.Dial(ctx, "ws://"+s.addr+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer live.CloseNow()
		liveErr := make(chan error, 1)
		go func() { // answers pings as it reads
			_, _, err := live.ReadMessage(context.Background(), nil)
			liveErr <- err
		}()
		var worst time.Duration
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 50 {
			c := s.upgrade(t, "")
			wg.Add(1)
			go func() {
				defer wg.Done()
				took := closedWithin(t, c, idle+ping+slack)
				mu.Lock()
				worst = max(worst, took)
				mu.Unlock()
			}()
		}
		wg.Wait()
		t.Logf("50 silent WebSockets closed, the last after %v (idle %v + ping %v)", worst.Round(time.Millisecond), idle, ping)
		select {
		case err := <-liveErr:
			t.Fatalf("a client that answers pings was dropped: %v", err)
		case <-time.After(2 * idle):
		}
		if st := s.stats(t); st.Timeouts.Idle < 50 {
			t.Errorf("/stats counts %d idle timeouts; want 50", st.Timeouts.Idle)
		}
	})
}

// TestNeverReads: a client that sends a large message and never reads the
// echo is closed at the write timeout, with the server's CPU idle
// meanwhile, also when it has shut down its side (half-close).
func TestNeverReads(t *testing.T) {
	engines(t, func(t *testing.T, eng string) {
		const timeout = 1 * time.Second
		s := serve(t, eng, "", "-write-timeout", timeout.String())
		enc := codec.Encoder{Role: codec.RoleClient}
		msg, _ := enc.AppendMessage(nil, codec.OpBinary, make([]byte, 16<<20))
		for i, half := range []bool{false, true} {
			c := s.upgrade(t, "")
			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			if half {
				c.(*handshake.ClientConn).Conn.(*net.TCPConn).CloseWrite()
			}
			start := time.Now()
			cpu := s.cpuShare(t, timeout/2)
			if cpu > 0.1 {
				t.Errorf("half-close %v: the server used %.0f%% of a core while its output waited", half, 100*cpu)
			}
			// The client reads nothing, so it cannot see the close behind
			// the unread echo: /stats says when the server gave up.
			for s.stats(t).Timeouts.Write < int64(i+1) {
				if time.Since(start) > timeout+slack {
					t.Fatalf("half-close %v: still open after %v", half, timeout+slack)
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Logf("half-close %v: closed after %v, CPU %.1f%% meanwhile", half, time.Since(start).Round(10*time.Millisecond), 100*cpu)
		}
	})
}

// TestDescriptorExhaustion: with its descriptors used up by silent
// connections, the server neither spins nor serves nobody: its CPU stays
// low, and once the silent ones time out a fresh client is served.
func TestDescriptorExhaustion(t *testing.T) {
	engines(t, func(t *testing.T, eng string) {
		const timeout = 2 * time.Second
		s := serve(t, eng, "ulimit -n 128;", "-handshake-timeout", timeout.String(), "-max-conns", "1000")
		var conns []net.Conn
		for range 200 {
			c, err := net.DialTimeout("tcp", s.addr, time.Second)
			if err != nil {
				break // the backlog is full: fine
			}
			t.Cleanup(func() { c.Close() })
			conns = append(conns, c)
		}
		time.Sleep(200 * time.Millisecond)
		cpu := s.cpuShare(t, time.Second)
		t.Logf("%d silent connections against 128 descriptors: CPU %.1f%% of a core", len(conns), 100*cpu)
		if cpu > 0.1 {
			t.Errorf("the server used %.0f%% of a core while out of descriptors", 100*cpu)
		}
		time.Sleep(timeout)
		s.echoes(t, 3*time.Second)
		if st := s.stats(t); st.AcceptPauses < 1 {
			t.Errorf("/stats counts no accept pause")
		}
	})
}

// TestPartialMessages: connections that each send 8 MiB of a 30 MiB
// frame and wait take the server no further than its memory budget plus
// a fixed allowance, and a fresh client is echoed meanwhile.
func TestPartialMessages(t *testing.T) {
	engines(t, func(t *testing.T, eng string) {
		const budget = 64 << 20
		s := serve(t, eng, "", "-max-buffered", "67108864", "-max-conns", "1000")
		s.echoes(t, 2*time.Second)
		base, _ := s.memory(t)
		hdr := codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Masked: true, Length: 30 << 20})
		part := make([]byte, 8<<20)
		var wg sync.WaitGroup
		for range 40 {
			c := s.upgrade(t, "")
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.SetWriteDeadline(time.Now().Add(20 * time.Second))
				c.Write(hdr)
				c.Write(part) // a refused connection's write fails: fine
			}()
		}
		wg.Wait()
		s.echoes(t, 2*time.Second)
		checkMemory(t, s, base, budget)
	})
}

// TestZipBombs: connections that each send one compressed first fragment
// of 31 KiB that inflates to 31 MiB cost the server no more than its
// budget plus a fixed allowance.
func TestZipBombs(t *testing.T) {
	engines(t, func(t *testing.T, eng string) {
		const budget = 64 << 20
		s := serve(t, eng, "", "-max-buffered", "67108864", "-max-conns", "1000")
		s.echoes(t, 2*time.Second)
		base, _ := s.memory(t)
		p := deflate.Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true}
		z, err := deflate.NewCompressor(p, codec.RoleClient, deflate.BestSpeed).AppendChunk(nil, make([]byte, 31<<20), false)
		if err != nil {
			t.Fatal(err)
		}
		enc := codec.Encoder{Role: codec.RoleClient}
		frame, _ := enc.AppendFrame(nil, codec.OpBinary, codec.Rsv1, false, z) // a first fragment: the message goes on
		t.Logf("each bomb: %d bytes that inflate to 31 MiB", len(frame))
		for range 50 {
			c := s.upgrade(t, deflate.ClientOffer(deflate.ClientOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}))
			c.Write(frame)
		}
		time.Sleep(500 * time.Millisecond)
		s.echoes(t, 2*time.Second)
		checkMemory(t, s, base, budget)
	})
}

// checkMemory fails t when the server's peak RSS went past what it had
// before the attack plus the budget plus a fixed allowance, and reports
// the figures.
func checkMemory(t *testing.T, s server, base, budget int64) {
	t.Helper()
	const allowance = 128 << 20
	rss, peak := s.memory(t)
	st := s.stats(t)
	t.Logf("RSS %d MiB before, %d MiB now, %d MiB at the peak; budget %d MiB, buffered peak %d MiB; %d refused with 1013",
		base>>20, rss>>20, peak>>20, budget>>20, st.BufferedPeak>>20, st.Refused.Memory)
	if peak > base+budget+allowance {
		t.Errorf("peak RSS %d MiB: more than %d MiB before + %d MiB budget + %d MiB allowance", peak>>20, base>>20, budget>>20, allowance>>20)
	}
	if st.BufferedPeak > budget {
		t.Errorf("the server counted %d bytes buffered at the peak; the budget is %d", st.BufferedPeak, budget)
	}
}
