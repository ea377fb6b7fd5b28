package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRunJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-quick", "-json"}, &out, &errb); code != 0 {
		t.Fatalf("run exited %d: %s", code, errb.String())
	}
	var res CodecResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if len(res.Mask) != len(maskSizes) {
		t.Fatalf("got %d mask rows; want %d", len(res.Mask), len(maskSizes))
	}
	for _, r := range res.Mask {
		if !(r.Mask > 0 && r.MaskCopy > 0 && r.Copy > 0) {
			t.Errorf("row %+v has a non-positive throughput", r)
		}
	}
	if len(res.Header) != 6 {
		t.Errorf("got %d header rows; want 6", len(res.Header))
	}
	if res.Machine.GoVersion == "" || res.Machine.NumCPU < 1 {
		t.Errorf("machine not described: %+v", res.Machine)
	}
}

func TestRunTable(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-quick"}, &out, &errb); code != 0 {
		t.Fatalf("run exited %d: %s", code, errb.String())
	}
	for _, want := range []string{"Mask (in place)", "copy()", "1 MiB", "ParseHeader", "AppendHeader"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"-nosuchflag"}, {"nosuchcommand"}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("run(%q) = %d; want 2", args, code)
		}
		if !strings.Contains(errb.String(), "usage: wsbench") {
			t.Errorf("run(%q) printed no usage: %q", args, errb.String())
		}
	}
}

func TestSizeName(t *testing.T) {
	for n, want := range map[int]string{16: "16 B", 1000: "1000 B", 1024: "1 KiB", 64 << 10: "64 KiB", 1 << 20: "1 MiB"} {
		if got := sizeName(n); got != want {
			t.Errorf("sizeName(%d) = %q; want %q", n, got, want)
		}
	}
}
