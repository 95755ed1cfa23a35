package wire

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/dstack-go/dstack/tee/eventlog"
)

// V1 is upstream's AttestationV1 serialised by rmp_serde::to_vec_named:
// structs are maps keyed by field name, enums are adjacently tagged
// {"kind", "data"}, fields declared as plain Vec<u8> are arrays of integers
// (not bin), and fields serialised through serde-human-bytes are bin. The
// encoder reproduces that layout exactly; the decoder accepts either form
// for byte fields, ignores unknown map keys as serde does, and rejects
// duplicate keys.

const attestationV1 = 1

// Platform kinds of V1.
var platformKind = map[Variant]string{
	VariantTDX:          "tdx",
	VariantGCPTDX:       "gcp-tdx",
	VariantNitroEnclave: "nitro-enclave",
	VariantSEVSNP:       "sev-snp",
	VariantNitroTPM:     "aws-nitro-tpm",
}

// EncodeV1 encodes a as msgpack V1.
func EncodeV1(a *Attestation) ([]byte, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	e := &v1Encoder{enc: msgpack.NewEncoder(&buf)}
	e.mapLen(3)
	e.str("version")
	e.uint(attestationV1)
	e.str("platform")
	e.mapLen(2)
	e.str("kind")
	e.str(platformKind[a.Variant])
	e.str("data")
	switch a.Variant {
	case VariantTDX:
		e.mapLen(2)
		e.str("quote")
		e.intArray(a.TDX.Quote)
		e.str("event_log")
		e.arrayLen(len(a.TDX.EventLog))
		for _, ev := range a.TDX.EventLog {
			e.tdxEvent(ev)
		}
	case VariantSEVSNP:
		e.mapLen(3)
		e.str("report")
		e.intArray(a.SNP.Report)
		e.str("cert_chain")
		e.arrayLen(len(a.SNP.CertChain))
		for _, c := range a.SNP.CertChain {
			e.intArray(c)
		}
		e.str("mr_config")
		e.str(a.SNP.MrConfig)
	case VariantNitroEnclave:
		e.mapLen(1)
		e.str("nsm_quote")
		e.intArray(a.Nitro.NSMQuote)
	case VariantNitroTPM:
		e.mapLen(1)
		e.str("attestation_doc")
		e.intArray(a.NitroTPM.AttestationDoc)
	}
	e.str("stack")
	e.mapLen(2)
	e.str("kind")
	pod := a.Stack == StackDstackPod
	if pod {
		e.str(StackDstackPod)
	} else {
		e.str(StackDstack)
	}
	e.str("data")
	if pod {
		e.mapLen(4)
	} else {
		e.mapLen(3)
	}
	e.str("report_data")
	e.intArray(a.ReportData[:])
	e.str("runtime_events")
	e.arrayLen(len(a.RuntimeEvents))
	for _, ev := range a.RuntimeEvents {
		if ev.Version == 2 {
			e.mapLen(3)
		} else {
			e.mapLen(2)
		}
		e.str("event")
		e.str(ev.Name)
		e.str("payload")
		e.bin(ev.Payload)
		if ev.Version == 2 {
			e.str("version")
			e.uint(2)
		}
	}
	e.str("config")
	e.str(a.Config)
	if pod {
		e.str("report_data_payload")
		e.str(a.ReportDataPayload)
	}
	if e.err != nil {
		return nil, fmt.Errorf("encoding attestation V1: %w", e.err)
	}
	if buf.Len() > MaxSize {
		return nil, fmt.Errorf("encoding attestation V1: %d bytes exceed the %d-byte limit", buf.Len(), MaxSize)
	}
	return buf.Bytes(), nil
}

type v1Encoder struct {
	enc *msgpack.Encoder
	err error
}

func (e *v1Encoder) do(err error) {
	if e.err == nil {
		e.err = err
	}
}
func (e *v1Encoder) mapLen(n int)   { e.do(e.enc.EncodeMapLen(n)) }
func (e *v1Encoder) arrayLen(n int) { e.do(e.enc.EncodeArrayLen(n)) }
func (e *v1Encoder) str(s string)   { e.do(e.enc.EncodeString(s)) }
func (e *v1Encoder) uint(v uint64)  { e.do(e.enc.EncodeUint(v)) }
func (e *v1Encoder) bin(b []byte) {
	if b == nil {
		b = []byte{}
	}
	e.do(e.enc.EncodeBytes(b))
}

// intArray writes a plain Vec<u8>: an array of integers.
func (e *v1Encoder) intArray(b []byte) {
	e.arrayLen(len(b))
	for _, c := range b {
		e.uint(uint64(c))
	}
}

func (e *v1Encoder) tdxEvent(ev eventlog.Event) {
	n := 5
	if ev.Version != 0 {
		n++
	}
	if ev.Preimage != nil {
		n++
	}
	e.mapLen(n)
	e.str("imr")
	e.uint(uint64(ev.IMR))
	e.str("event_type")
	e.uint(uint64(ev.EventType))
	e.str("digest")
	e.bin(ev.Digest)
	e.str("event")
	e.str(ev.Event)
	e.str("event_payload")
	e.bin(ev.Payload)
	if ev.Version != 0 {
		e.str("version")
		e.uint(uint64(ev.Version))
	}
	if ev.Preimage != nil {
		e.str("preimage")
		e.bin(ev.Preimage)
	}
}

// v1Decoder walks msgpack input with explicit bounds.
type v1Decoder struct {
	r   *bytes.Reader
	dec *msgpack.Decoder
}

func (d *v1Decoder) fail(what, format string, args ...any) error {
	return fmt.Errorf("%w: V1 %s: %s", ErrMalformed, what, fmt.Sprintf(format, args...))
}

func (d *v1Decoder) wrap(what string, err error) error {
	return fmt.Errorf("%w: V1 %s: %v", ErrMalformed, what, err)
}

func (d *v1Decoder) length(what string, n int, err error) (int, error) {
	if err != nil {
		return 0, d.wrap(what, err)
	}
	if n < 0 || n > d.r.Len() {
		return 0, d.fail(what, "length %d with %d bytes left", n, d.r.Len())
	}
	return n, nil
}

// fields reads a map and calls field for each key, rejecting duplicates and,
// as serde does, maps that lack a required field.
func (d *v1Decoder) fields(what string, field func(key string) error, required ...string) error {
	n, err := d.dec.DecodeMapLen()
	if n, err = d.length(what, n, err); err != nil {
		return err
	}
	seen := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		k, err := d.str(what + " key")
		if err != nil {
			return err
		}
		if seen[k] {
			return d.fail(what, "duplicate field %q", k)
		}
		seen[k] = true
		if err := field(k); err != nil {
			return err
		}
	}
	for _, k := range required {
		if !seen[k] {
			return d.fail(what, "missing field %q", k)
		}
	}
	return nil
}

func (d *v1Decoder) str(what string) (string, error) {
	s, err := d.dec.DecodeString()
	if err != nil {
		return "", d.wrap(what, err)
	}
	if !utf8.ValidString(s) {
		return "", d.fail(what, "not UTF-8")
	}
	return s, nil
}

func (d *v1Decoder) uint(what string, max uint64) (uint64, error) {
	c, err := d.dec.PeekCode()
	if err != nil {
		return 0, d.wrap(what, err)
	}
	if !msgpcode.IsFixedNum(c) && c != msgpcode.Uint8 && c != msgpcode.Uint16 && c != msgpcode.Uint32 && c != msgpcode.Uint64 &&
		c != msgpcode.Int8 && c != msgpcode.Int16 && c != msgpcode.Int32 && c != msgpcode.Int64 {
		return 0, d.fail(what, "not an integer (code %#x)", c)
	}
	v, err := d.dec.DecodeInt64()
	if err != nil {
		return 0, d.wrap(what, err)
	}
	if v < 0 || uint64(v) > max {
		return 0, d.fail(what, "integer %d out of range", v)
	}
	return uint64(v), nil
}

// bytesField reads a byte field in either form: bin, or an array of
// integers 0–255.
func (d *v1Decoder) bytesField(what string) ([]byte, error) {
	c, err := d.dec.PeekCode()
	if err != nil {
		return nil, d.wrap(what, err)
	}
	if msgpcode.IsBin(c) {
		b, err := d.dec.DecodeBytes()
		if err != nil {
			return nil, d.wrap(what, err)
		}
		if b == nil {
			b = []byte{}
		}
		return b, nil
	}
	n, err := d.dec.DecodeArrayLen()
	if n, err = d.length(what, n, err); err != nil {
		return nil, err
	}
	out := make([]byte, n)
	for i := range out {
		v, err := d.uint(what, 255)
		if err != nil {
			return nil, err
		}
		out[i] = byte(v)
	}
	return out, nil
}

func (d *v1Decoder) array(what string, item func() error) error {
	n, err := d.dec.DecodeArrayLen()
	if n, err = d.length(what, n, err); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := item(); err != nil {
			return err
		}
	}
	return nil
}

func (d *v1Decoder) skip() error {
	if err := d.dec.Skip(); err != nil {
		return d.wrap("unknown field", err)
	}
	return nil
}

func decodeV1(b []byte) (*Attestation, error) {
	r := bytes.NewReader(b)
	d := &v1Decoder{r: r, dec: msgpack.NewDecoder(r)}
	a := &Attestation{}
	var version uint64
	var havePlatform, haveStack, haveVersion bool
	err := d.fields("attestation", func(k string) error {
		var err error
		switch k {
		case "version":
			version, err = d.uint("version", 1<<63)
			haveVersion = true
		case "platform":
			err = d.platform(a)
			havePlatform = true
		case "stack":
			err = d.stack(a)
			haveStack = true
		default:
			err = d.skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !haveVersion || !havePlatform || !haveStack {
		return nil, d.fail("attestation", "missing version, platform or stack")
	}
	if version != attestationV1 {
		return nil, d.fail("attestation", "unsupported version %d", version)
	}
	if r.Len() != 0 {
		return nil, d.fail("attestation", "%d trailing bytes", r.Len())
	}
	return a, nil
}

// tagged reads an adjacently tagged enum: the kind, then its data.
func (d *v1Decoder) tagged(what string, data func(kind string) error) error {
	var kind string
	var haveKind, haveData bool
	err := d.fields(what, func(k string) error {
		switch k {
		case "kind":
			if haveData {
				return d.fail(what, "data before kind")
			}
			var err error
			kind, err = d.str(what + " kind")
			haveKind = true
			return err
		case "data":
			if !haveKind {
				return d.fail(what, "data before kind")
			}
			haveData = true
			return data(kind)
		default:
			return d.skip()
		}
	})
	if err != nil {
		return err
	}
	if !haveKind || !haveData {
		return d.fail(what, "missing kind or data")
	}
	return nil
}

func (d *v1Decoder) platform(a *Attestation) error {
	return d.tagged("platform", func(kind string) error {
		switch kind {
		case "tdx":
			t := &TDXEvidence{}
			a.Variant, a.TDX = VariantTDX, t
			return d.fields("tdx", func(k string) error {
				var err error
				switch k {
				case "quote":
					t.Quote, err = d.bytesField("tdx quote")
				case "event_log":
					err = d.array("tdx event log", func() error {
						ev, err := d.tdxEvent()
						t.EventLog = append(t.EventLog, ev)
						return err
					})
				default:
					err = d.skip()
				}
				return err
			}, "quote", "event_log")
		case "sev-snp":
			s := &SNPEvidence{}
			a.Variant, a.SNP = VariantSEVSNP, s
			return d.fields("sev-snp", func(k string) error {
				var err error
				switch k {
				case "report":
					s.Report, err = d.bytesField("snp report")
				case "cert_chain":
					err = d.array("snp cert chain", func() error {
						c, err := d.bytesField("snp certificate")
						s.CertChain = append(s.CertChain, c)
						return err
					})
				case "mr_config":
					s.MrConfig, err = d.str("snp mr_config")
				default:
					err = d.skip()
				}
				return err
			}, "report", "cert_chain", "mr_config")
		case "nitro-enclave":
			n := &NitroEnclaveEvidence{}
			a.Variant, a.Nitro = VariantNitroEnclave, n
			return d.fields("nitro-enclave", func(k string) error {
				if k != "nsm_quote" {
					return d.skip()
				}
				var err error
				n.NSMQuote, err = d.bytesField("nsm quote")
				return err
			}, "nsm_quote")
		case "aws-nitro-tpm":
			n := &NitroTPMEvidence{}
			a.Variant, a.NitroTPM = VariantNitroTPM, n
			return d.fields("aws-nitro-tpm", func(k string) error {
				if k != "attestation_doc" {
					return d.skip()
				}
				var err error
				n.AttestationDoc, err = d.bytesField("attestation doc")
				return err
			}, "attestation_doc")
		case "gcp-tdx":
			return fmt.Errorf("decoding attestation: %w: GCP TDX evidence with a vTPM quote", ErrUnsupported)
		default:
			return d.fail("platform", "unknown kind %q", kind)
		}
	})
}

func (d *v1Decoder) tdxEvent() (eventlog.Event, error) {
	var e eventlog.Event
	err := d.fields("tdx event", func(k string) error {
		var err error
		var v uint64
		switch k {
		case "imr":
			v, err = d.uint("event imr", 1<<32-1)
			e.IMR = uint32(v)
		case "event_type":
			v, err = d.uint("event type", 1<<32-1)
			e.EventType = uint32(v)
		case "digest":
			e.Digest, err = d.bytesField("event digest")
		case "event":
			e.Event, err = d.str("event name")
		case "event_payload":
			e.Payload, err = d.bytesField("event payload")
		case "version":
			v, err = d.uint("event version", 255)
			e.Version = uint8(v)
		case "preimage":
			e.Preimage, err = d.bytesField("event preimage")
		default:
			err = d.skip()
		}
		return err
	}, "imr", "event_type", "digest", "event", "event_payload")
	return e, err
}

func (d *v1Decoder) stack(a *Attestation) error {
	return d.tagged("stack", func(kind string) error {
		switch kind {
		case StackDstack, StackDstackPod:
			a.Stack = kind
		default:
			return d.fail("stack", "unknown kind %q", kind)
		}
		var haveRD, havePayload bool
		err := d.fields("stack", func(k string) error {
			var err error
			switch k {
			case "report_data":
				var rd []byte
				if rd, err = d.bytesField("report_data"); err == nil {
					if len(rd) != 64 {
						return d.fail("report_data", "%d bytes, want 64", len(rd))
					}
					copy(a.ReportData[:], rd)
					haveRD = true
				}
			case "runtime_events":
				err = d.array("runtime events", func() error {
					ev, err := d.runtimeEvent()
					a.RuntimeEvents = append(a.RuntimeEvents, ev)
					return err
				})
			case "config":
				a.Config, err = d.str("config")
			case "report_data_payload":
				if kind != StackDstackPod {
					return d.skip()
				}
				a.ReportDataPayload, err = d.str("report_data_payload")
				havePayload = true
			default:
				err = d.skip()
			}
			return err
		}, "report_data", "runtime_events", "config")
		if err != nil {
			return err
		}
		if !haveRD {
			return d.fail("stack", "missing report_data")
		}
		if kind == StackDstackPod && !havePayload {
			return d.fail("stack", "dstack-pod without report_data_payload")
		}
		return nil
	})
}

func (d *v1Decoder) runtimeEvent() (eventlog.RuntimeEvent, error) {
	e := eventlog.RuntimeEvent{Version: 1}
	err := d.fields("runtime event", func(k string) error {
		var err error
		switch k {
		case "event":
			e.Name, err = d.str("runtime event name")
		case "payload":
			e.Payload, err = d.bytesField("runtime event payload")
		case "version":
			var v uint64
			if v, err = d.uint("runtime event version", 255); err == nil {
				switch v {
				case 1, 2:
					e.Version = uint8(v)
				default:
					err = d.fail("runtime event", "version %d", v)
				}
			}
		default:
			err = d.skip()
		}
		return err
	}, "event", "payload")
	return e, err
}
