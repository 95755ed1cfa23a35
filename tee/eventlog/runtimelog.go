package eventlog

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
)

// maxRuntimeLogLine caps one line of the runtime log file.
const maxRuntimeLogLine = 1 << 20

// runtimeLogLine is one line of the guest's runtime event log file
// (/run/log/dstack/runtime_events.log): the payload is base64 there, unlike
// the hex used everywhere else.
type runtimeLogLine struct {
	Event   string `json:"event"`
	Payload string `json:"payload"`
	Version uint8  `json:"version,omitempty"`
}

// AppendRuntimeLog writes e as one line of the runtime log file format.
func AppendRuntimeLog(w io.Writer, e RuntimeEvent) error {
	l := runtimeLogLine{Event: e.Name, Payload: base64.StdEncoding.EncodeToString(e.Payload)}
	if e.Version == 2 {
		l.Version = 2
	}
	b, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("writing runtime log: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing runtime log: %w", err)
	}
	return nil
}

// ReadRuntimeLog reads a runtime log file.
func ReadRuntimeLog(r io.Reader) ([]RuntimeEvent, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxRuntimeLogLine)
	var out []RuntimeEvent
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var l runtimeLogLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("reading runtime log line %d: %w: %v", n, ErrMalformed, err)
		}
		payload, err := base64.StdEncoding.DecodeString(l.Payload)
		if err != nil {
			return nil, fmt.Errorf("reading runtime log line %d: %w: payload: %v", n, ErrMalformed, err)
		}
		v := uint8(1)
		switch l.Version {
		case 0, 1:
		case 2:
			v = 2
		default:
			return nil, fmt.Errorf("reading runtime log line %d: %w: version %d", n, ErrMalformed, l.Version)
		}
		out = append(out, RuntimeEvent{Name: l.Event, Payload: payload, Version: v})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading runtime log: %w", err)
	}
	return out, nil
}
