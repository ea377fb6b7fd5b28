package godebug

import (
	"slices"
	"testing"
)

func TestWithHTTP2(t *testing.T) {
	for _, tt := range []struct{ in, want []string }{
		{nil, []string{"GODEBUG=http2xconnect=1"}},
		{[]string{"A=1", "GODEBUG="}, []string{"A=1", "GODEBUG=http2xconnect=1"}},
		{[]string{"GODEBUG=madvdontneed=1", "B=2"}, []string{"GODEBUG=http2xconnect=1,madvdontneed=1", "B=2"}},
	} {
		in := slices.Clone(tt.in)
		if got := WithHTTP2(in); !slices.Equal(got, tt.want) {
			t.Errorf("WithHTTP2(%q) = %q; want %q", tt.in, got, tt.want)
		}
		if !slices.Equal(in, tt.in) {
			t.Errorf("WithHTTP2 changed its argument to %q", in)
		}
	}
}

func TestHasHTTP2(t *testing.T) {
	for v, want := range map[string]bool{"": false, "http2xconnect=1": true, "x=1,http2xconnect=1": true, "http2xconnect=0": false} {
		if got := HasHTTP2(v); got != want {
			t.Errorf("HasHTTP2(%q) = %v; want %v", v, got, want)
		}
	}
}
