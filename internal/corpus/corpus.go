// Package corpus generates the messages that the deflate module's tests,
// benchmarks and library comparison (../../_compare) compress:
// deterministic JSON events and English-like text.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var words = strings.Fields(`the of and to a in is you that it he was for on are as with his they I at be
this have from or one had by word but not what all were we when your can said there use an each which she do
how their if will up other about out many then them these so some her would make like him into time has look
two more write go see number no way could people my than first water been call who oil its now find long down
day did get come made may part over new sound take only little work know place year live me back give most very
after thing our just name good sentence man think say great where help through much before line right too mean
old any same tell boy follow came want show also around form three small set put end does another well large
must big even such because turn here why ask went men read need land different home us move try kind hand picture
again change off play spell air away animal house point page letter mother answer found study still learn should
server client message socket frame window buffer compress deflate latency request response stream packet`)

// text returns n bytes of English-like chat text drawn from words with a
// Zipf-like distribution.
func text(r *rand.Rand, n int) []byte {
	var b strings.Builder
	start := true
	for b.Len() < n {
		i := int(float64(len(words)) * r.Float64() * r.Float64() * r.Float64())
		w := words[i]
		if start {
			w = strings.ToUpper(w[:1]) + w[1:]
			start = false
		}
		b.WriteString(w)
		switch x := r.IntN(20); {
		case x == 0:
			b.WriteString(". ")
			start = true
		case x == 1:
			b.WriteString(", ")
		case x == 2 && b.Len() > 0:
			b.WriteString("!\n")
			start = true
		default:
			b.WriteByte(' ')
		}
	}
	return []byte(b.String()[:n])
}

var symbols = []string{"BTC-USD", "ETH-USD", "SOL-USD", "ETH-BTC", "DOGE-USD", "LTC-EUR"}

// jsonMsg returns n bytes of JSON like a market-data feed sends: one
// trade event for small n, else a batch of them, with repeating keys and
// varying values. It cuts the last event short to end at n bytes.
func jsonMsg(r *rand.Rand, n int) []byte {
	var b strings.Builder
	batch := n >= 400
	if batch {
		b.WriteString(`{"type":"batch","channel":"trades","events":[`)
	}
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		side := "buy"
		if r.IntN(2) == 0 {
			side = "sell"
		}
		fmt.Fprintf(&b, `{"type":"trade","seq":%d,"symbol":"%s","price":"%d.%02d","size":"%.8f","side":"%s","time":"2026-11-25T14:%02d:%02d.%06dZ","trade_id":%d,"maker_order_id":"%08x-%04x-%04x-%04x-%012x"}`,
			1_000_000+r.IntN(1_000_000), symbols[r.IntN(len(symbols))], 40000+r.IntN(5000), r.IntN(100), r.Float64(), side,
			r.IntN(60), r.IntN(60), r.IntN(1_000_000), r.Int64N(1<<40), r.Uint32(), r.IntN(1<<16), r.IntN(1<<16), r.IntN(1<<16), r.Int64N(1<<48))
	}
	if batch {
		return []byte(b.String()[:n-2] + "]}")
	}
	return []byte(b.String()[:n-1] + "}")
}

// Messages returns count distinct messages of n bytes of the kind, "json"
// or "text", the same for the same arguments.
func Messages(kind string, n, count int) [][]byte {
	r := rand.New(rand.NewPCG(uint64(n), 1))
	out := make([][]byte, count)
	for i := range out {
		if kind == "json" {
			out[i] = jsonMsg(r, n)
		} else {
			out[i] = text(r, n)
		}
	}
	return out
}
