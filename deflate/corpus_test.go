package deflate

import "github.com/wsframe/wsframe/internal/corpus"

// messages returns count distinct messages of n bytes of the kind, "json"
// or "text": see corpus.Messages, which the library comparison in
// _compare uses too.
func messages(kind string, n, count int) [][]byte { return corpus.Messages(kind, n, count) }
