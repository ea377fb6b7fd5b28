package compare

import "github.com/wsframe/wsframe/internal/corpus"

// messages returns the messages the deflate module's own tests use: see
// corpus.Messages.
func messages(kind string, n, count int) [][]byte { return corpus.Messages(kind, n, count) }
