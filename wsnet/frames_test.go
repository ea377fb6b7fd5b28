package wsnet

import (
	"testing"

	"github.com/wsframe/wsframe/codec"
)

// frame builds one raw frame, masked with a fixed key when masked is set.
func frame(fin bool, rsv uint8, op codec.Opcode, masked bool, payload string) []byte {
	h := codec.Header{Fin: fin, Rsv: rsv, Opcode: op, Masked: masked, Key: [4]byte{1, 2, 3, 4}, Length: int64(len(payload))}
	b := codec.AppendHeader(nil, h)
	p := []byte(payload)
	if masked {
		codec.Mask(p, h.Key, 0)
	}
	return append(b, p...)
}

// event is one whole message or control frame seen on a wire.
type event struct {
	kind    codec.EventKind
	payload string
	code    codec.CloseCode
}

// feed decodes wire with d and returns its messages, each data message
// joined into one event.
func feed(t testing.TB, d *codec.Decoder, chunks [][]byte) ([]event, error) {
	var out []event
	var ev codec.Event
	var data []byte
	for _, c := range chunks {
		for len(c) > 0 {
			n, err := d.Next(c, &ev)
			if err != nil {
				return out, err
			}
			c = c[n:]
			switch ev.Kind {
			case codec.EventNone:
			case codec.EventData:
				data = append(data, ev.Payload...)
				if ev.End {
					out = append(out, event{kind: codec.EventData, payload: string(data)})
					data = data[:0]
				}
			default:
				out = append(out, event{kind: ev.Kind, payload: string(ev.Payload), code: ev.Code})
			}
		}
	}
	return out, nil
}
