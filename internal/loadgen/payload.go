package loadgen

import (
	"math/rand/v2"
	"strconv"
)

// Payload kinds, for Config.Payload.
const (
	PayloadPattern = "pattern" // letters a to z over and over (text), or i*131+conn (binary)
	PayloadJSON    = "json"    // a feed of JSON trade events
)

// FillPayload fills p, the template of connection id's messages, with
// content of the given kind.
//
// The pattern is what a load test usually sends, and deflate shrinks a
// text one to under 5% of its size, so compressing it costs almost
// nothing. The JSON feed is closer to what compressed WebSockets carry in
// practice: trade events whose keys repeat but whose numbers do not, so
// that DEFLATE at level 1 leaves about 30-45% of each message (a message of
// 1 KiB or more; smaller ones shrink less). Each connection draws
// different events.
func FillPayload(p []byte, kind string, binaryMsg bool, id int) {
	switch {
	case kind == PayloadJSON:
		fillJSON(p, uint64(id))
	case binaryMsg:
		for i := range p {
			p[i] = byte(i*131 + id)
		}
	default:
		for i := range p {
			p[i] = 'a' + byte((i+id)%26)
		}
	}
}

// fillJSON fills p with newline-separated JSON trade events from a
// generator seeded with seed, cutting the last one where p ends. The
// bytes are ASCII, so valid UTF-8 wherever they are cut.
func fillJSON(p []byte, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	symbols := [...]string{"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "AVAXUSDT", "LINKUSDT"}
	var ev []byte
	id := 1_000_000 + rng.Uint64N(1_000_000)
	ms := uint64(1_764_000_000_000) + rng.Uint64N(1_000_000)
	for n := 0; n < len(p); {
		id += 1 + rng.Uint64N(3)
		ms += rng.Uint64N(40)
		price := 100 + rng.Float64()*60_000
		ev = ev[:0]
		ev = append(ev, `{"e":"trade","E":`...)
		ev = strconv.AppendUint(ev, ms, 10)
		ev = append(ev, `,"s":"`...)
		ev = append(ev, symbols[rng.IntN(len(symbols))]...)
		ev = append(ev, `","t":`...)
		ev = strconv.AppendUint(ev, id, 10)
		ev = append(ev, `,"p":"`...)
		ev = strconv.AppendFloat(ev, price, 'f', 2, 64)
		ev = append(ev, `","q":"`...)
		ev = strconv.AppendFloat(ev, rng.Float64()*5, 'f', 5, 64)
		ev = append(ev, `","T":`...)
		ev = strconv.AppendUint(ev, ms-rng.Uint64N(5), 10)
		ev = append(ev, `,"m":`...)
		ev = strconv.AppendBool(ev, rng.IntN(2) == 0)
		ev = append(ev, "}\n"...)
		n += copy(p[n:], ev)
	}
}
