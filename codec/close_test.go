package codec

import (
	"errors"
	"strings"
	"testing"
	"unsafe"
)

// TestCloseCodeIsValid checks every 16-bit value against the classes of
// RFC 6455 §7.4.
func TestCloseCodeIsValid(t *testing.T) {
	for i := 0; i <= 0xFFFF; i++ {
		c := CloseCode(i)
		var want bool
		switch {
		case i < 1000: // §7.4.2: "not used"
		case i == 1004: // reserved
		case i == 1005, i == 1006, i == 1015: // "MUST NOT be set as a status code in a Close control frame"
		case i <= 1014: // 1000-1003 and 1007-1014 are registered
			want = true
		case i < 3000: // 1016-2999: reserved for this protocol and its extensions
		case i < 5000: // 3000-4999: libraries, frameworks and applications
			want = true
		}
		if got := c.IsValid(); got != want {
			t.Errorf("CloseCode(%d).IsValid() = %v; want %v", i, got, want)
		}
	}
}

func TestCloseCodeString(t *testing.T) {
	for c, want := range map[CloseCode]string{
		CloseNormal:       "1000 (normal closure)",
		1004:              "1004 (reserved)",
		CloseTLSHandshake: "1015 (TLS handshake failure)",
		1016:              "1016 (invalid)",
		999:               "999 (invalid)",
		3000:              "3000 (registered)",
		4999:              "4999 (private use)",
		5000:              "5000 (invalid)",
	} {
		if got := c.String(); got != want {
			t.Errorf("CloseCode(%d).String() = %q; want %q", uint16(c), got, want)
		}
	}
}

func TestParseClose(t *testing.T) {
	tests := []struct {
		name       string
		payload    string
		wantCode   CloseCode
		wantReason string
		wantErr    error
	}{
		{"empty", "", CloseNoStatus, "", nil},
		{"code only", "\x03\xe8", CloseNormal, "", nil},
		{"code and reason", "\x03\xe9bye", CloseGoingAway, "bye", nil},
		{"multibyte reason", "\x0f\xa0κόσμε", 4000, "κόσμε", nil},
		{"3000", "\x0b\xb8", 3000, "", nil},
		{"4999", "\x13\x87", 4999, "", nil},
		{"1014", "\x03\xf6", CloseBadGateway, "", nil},
		{"123-byte reason", "\x03\xe8" + strings.Repeat("r", 123), CloseNormal, strings.Repeat("r", 123), nil},

		{"1 byte", "\x03", 0, "", ErrClosePayloadLength},
		{"126 bytes", "\x03\xe8" + strings.Repeat("r", 124), 0, "", ErrControlTooLong},
		{"code 0", "\x00\x00", 0, "", ErrCloseCode},
		{"code 999", "\x03\xe7", 0, "", ErrCloseCode},
		{"code 1004", "\x03\xec", 0, "", ErrCloseCode},
		{"code 1005", "\x03\xed", 0, "", ErrCloseCode},
		{"code 1006", "\x03\xee", 0, "", ErrCloseCode},
		{"code 1015", "\x03\xf7", 0, "", ErrCloseCode},
		{"code 1016", "\x03\xf8", 0, "", ErrCloseCode},
		{"code 2999", "\x0b\xb7", 0, "", ErrCloseCode},
		{"code 5000", "\x13\x88", 0, "", ErrCloseCode},
		{"code 65535", "\xff\xff", 0, "", ErrCloseCode},
		{"invalid UTF-8 reason", "\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64", 0, "", ErrCloseReason},
		{"truncated UTF-8 reason", "\x03\xe8\xe2\x82", 0, "", ErrCloseReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := []byte(tt.payload)
			code, reason, err := ParseClose(p)
			if err != tt.wantErr || code != tt.wantCode || string(reason) != tt.wantReason {
				t.Fatalf("ParseClose(%q) = %v, %q, %v; want %v, %q, %v", tt.payload, code, reason, err, tt.wantCode, tt.wantReason, tt.wantErr)
			}
			if err != nil {
				var pe *ProtocolError
				if !errors.As(err, &pe) {
					t.Fatalf("error %v is not a *ProtocolError", err)
				}
				want := CloseProtocolError
				if err == ErrCloseReason {
					want = CloseInvalidPayload
				}
				if pe.Code != want {
					t.Errorf("error code = %v; want %v", pe.Code, want)
				}
			}
			if len(reason) > 0 && unsafe.SliceData(reason) != &p[2] {
				t.Errorf("reason does not alias the payload")
			}
		})
	}
}

func TestAppendClose(t *testing.T) {
	tests := []struct {
		code   CloseCode
		reason string
		want   string
	}{
		{CloseNormal, "", "\x03\xe8"},
		{CloseGoingAway, "bye", "\x03\xe9bye"},
		{CloseNoStatus, "", ""},
		{CloseNoStatus, "why", "\x03\xedwhy"}, // written as asked, not dropped
		{999, "", "\x03\xe7"},                 // invalid codes are written for testing peers
	}
	for _, tt := range tests {
		got := AppendClose([]byte("x"), tt.code, tt.reason)
		if string(got) != "x"+tt.want {
			t.Errorf("AppendClose(%v, %q) = %q; want %q", tt.code, tt.reason, got, "x"+tt.want)
		}
	}
	// Round trip through ParseClose for every valid code.
	for c := CloseCode(0); c < 5100; c++ {
		if !c.IsValid() {
			continue
		}
		code, reason, err := ParseClose(AppendClose(nil, c, "ok"))
		if err != nil || code != c || string(reason) != "ok" {
			t.Fatalf("ParseClose(AppendClose(%v)) = %v, %q, %v", c, code, reason, err)
		}
	}
}
