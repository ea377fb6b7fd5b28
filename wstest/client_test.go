package wstest_test

import (
	"regexp"
	"testing"

	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/wstest"
)

// TestOwnClient runs every client case against this module's client,
// offering compression as Chromium does, then without compression: every
// case passes strictly.
func TestOwnClient(t *testing.T) {
	t.Parallel()
	t.Run("deflate", func(t *testing.T) {
		wstest.TestClient(t, echo.Client(&deflate.ClientOptions{}, 32<<20), &wstest.Options{Deflate: true})
	})
	t.Run("plain", func(t *testing.T) {
		allPass(t)(wstest.RunClient(t.Context(), echo.Client(nil, 32<<20), &wstest.Options{Deflate: true}))
	})
}

func TestClientCaseTable(t *testing.T) {
	id := regexp.MustCompile(`^(H|M|[0-9]+)(\.[0-9]+)*$`)
	seen := map[string]bool{}
	for _, c := range wstest.ClientCases() {
		if !id.MatchString(c.ID) || seen[c.ID] {
			t.Errorf("client case ID %q is malformed or repeated", c.ID)
		}
		seen[c.ID] = true
		if c.Group == "" || c.Title == "" || c.RFC == "" || c.Expect == "" {
			t.Errorf("client case %s lacks a field: %+v", c.ID, c)
		}
	}
}
