package codec

import (
	"fmt"
	"testing"
	"unicode/utf8"
)

// utf8BenchSizes are the text sizes the UTF-8 benchmarks report.
var utf8BenchSizes = []int{16, 64, 125, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 1 << 20}

// utf8Sentences are the building blocks of the benchmark texts, written
// for this package.
var utf8Sentences = map[string][]string{
	"ascii": {
		"The harbour was quiet this morning, and the fishermen mended their nets by the old lighthouse. ",
		"Our train was forty minutes late, so we drank tea at the station and talked about books. ",
		"Send the report by Friday; the figures for March are still missing (see row 42). ",
	},
	"russian": {
		"Сегодня утром в порту было тихо, и рыбаки чинили сети у старого маяка. ",
		"Поезд опоздал на сорок минут, поэтому мы пили чай на вокзале и говорили о книгах. ",
		"Пришлите отчёт до пятницы: цифр за март всё ещё нет (см. строку 42). ",
	},
	"chinese": {
		"今天早上港口很安静，渔民们在旧灯塔旁边修补渔网。",
		"火车晚点了四十分钟，所以我们在车站喝茶，聊了聊最近读的书。",
		"请在星期五之前把报告发过来，三月份的数字还没有（见第四十二行）。",
	},
	"mixed": {
		"Order #4711 shipped: 3× кофе, 2× 绿茶 ☕🍵, delivery on Friday 🚚. ",
		"Meeting notes — Москва, 北京, Zürich: budget ≈ 12 500 € approved ✅. ",
		"User 'Алёна' wrote: 好的，明天见！ See you tomorrow 👋🙂 ",
	},
	"emoji": {
		"🙂🚀🎉👍🏽🌍🔥✨🧭🍵☕ ",
		"👋😀🐟⛵🚂📚🗓️📈 ",
	},
}

// utf8TextKinds orders the keys of utf8Sentences for the benchmarks.
var utf8TextKinds = []string{"ascii", "russian", "chinese", "mixed", "emoji"}

// utf8Text returns n bytes of valid UTF-8 text of the given kind: its
// sentences repeated in a fixed order, cut at a code point boundary and
// padded to n with ASCII spaces.
func utf8Text(kind string, n int) []byte {
	ss := utf8Sentences[kind]
	b := make([]byte, 0, n+128)
	for i := 0; len(b) < n; i++ {
		b = append(b, ss[i%len(ss)]...)
	}
	b = b[:n]
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	for len(b) < n {
		b = append(b, ' ')
	}
	return b
}

// forEachText runs f for every text kind and size, as sub-benchmarks named
// text=KIND/size=N so that benchstat can line up runs and functions.
func forEachText(b *testing.B, f func(b *testing.B, p []byte)) {
	for _, kind := range utf8TextKinds {
		b.Run("text="+kind, func(b *testing.B) {
			for _, n := range utf8BenchSizes {
				p := utf8Text(kind, n)
				b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
					b.SetBytes(int64(n))
					b.ReportAllocs()
					f(b, p)
				})
			}
		})
	}
}

// BenchmarkValidUTF8 checks text with the validator chosen for this CPU.
func BenchmarkValidUTF8(b *testing.B) {
	forEachText(b, func(b *testing.B, p []byte) {
		for b.Loop() {
			if !ValidUTF8(p) {
				b.Fatal("ValidUTF8 rejected valid text")
			}
		}
	})
}

// BenchmarkStdlibUTF8Valid is the baseline for BenchmarkValidUTF8: the
// standard library on the same texts, in the same run.
func BenchmarkStdlibUTF8Valid(b *testing.B) {
	forEachText(b, func(b *testing.B, p []byte) {
		for b.Loop() {
			if !utf8.Valid(p) {
				b.Fatal("utf8.Valid rejected valid text")
			}
		}
	})
}

// BenchmarkValidUTF8Kernel runs ValidUTF8 with each validator in turn,
// and utf8.Valid as kernel=stdlib, so that one run compares them all. Both
// are called directly, as a caller would, not through a func value.
func BenchmarkValidUTF8Kernel(b *testing.B) {
	for _, k := range utf8Kernels {
		b.Run("kernel="+k, func(b *testing.B) {
			defer setUTF8Kernel(k)()
			forEachText(b, func(b *testing.B, p []byte) {
				for b.Loop() {
					if !ValidUTF8(p) {
						b.Fatal("ValidUTF8 rejected valid text")
					}
				}
			})
		})
	}
	b.Run("kernel=stdlib", func(b *testing.B) {
		forEachText(b, func(b *testing.B, p []byte) {
			for b.Loop() {
				if !utf8.Valid(p) {
					b.Fatal("utf8.Valid rejected valid text")
				}
			}
		})
	})
}

// BenchmarkUTF8ValidatorFeed checks text as a reader would, in chunks of
// 4 KiB cut without regard to code points, with one validator per text.
func BenchmarkUTF8ValidatorFeed(b *testing.B) {
	const chunk = 4 << 10
	for _, kind := range utf8TextKinds {
		p := utf8Text(kind, 1<<20)
		b.Run("text="+kind+"/chunk=4096", func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			var v UTF8Validator
			for b.Loop() {
				v.Reset()
				for off := 0; off < len(p); off += chunk {
					if !v.Feed(p[off:min(off+chunk, len(p))]) {
						b.Fatal("Feed rejected valid text")
					}
				}
				if !v.Done() {
					b.Fatal("Done rejected valid text")
				}
			}
		})
	}
}
