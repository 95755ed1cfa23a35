package wire

import (
	"bytes"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// AppInfo is the identity of an app instance as RA-TLS certificates carry it
// in OID 1.9: upstream's rmp_serde compact form, a msgpack array in
// declaration order with byte fields as bin. Older issuers write 8 elements
// (no init-script hashes).
type AppInfo struct {
	AppID            []byte
	ComposeHash      []byte
	InstanceID       []byte
	DeviceID         []byte
	MrSystem         [32]byte
	MrAggregated     [32]byte
	OSImageHash      []byte
	KeyProviderInfo  []byte
	InitScriptHashes [][32]byte // nil is encoded as msgpack nil
}

// MarshalBinary encodes the 9-element form.
func (a *AppInfo) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	e := &v1Encoder{enc: msgpack.NewEncoder(&buf)}
	e.arrayLen(9)
	for _, b := range [][]byte{a.AppID, a.ComposeHash, a.InstanceID, a.DeviceID, a.MrSystem[:], a.MrAggregated[:], a.OSImageHash, a.KeyProviderInfo} {
		e.bin(b)
	}
	if a.InitScriptHashes == nil {
		e.do(e.enc.EncodeNil())
	} else {
		e.arrayLen(len(a.InitScriptHashes))
		for _, h := range a.InitScriptHashes {
			e.bin(h[:])
		}
	}
	if e.err != nil {
		return nil, fmt.Errorf("encoding app info: %w", e.err)
	}
	return buf.Bytes(), nil
}

// DecodeAppInfo decodes an 8- or 9-element AppInfo array.
func DecodeAppInfo(b []byte) (*AppInfo, error) {
	r := bytes.NewReader(b)
	d := &v1Decoder{r: r, dec: msgpack.NewDecoder(r)}
	n, err := d.dec.DecodeArrayLen()
	if n, err = d.length("app info", n, err); err != nil {
		return nil, err
	}
	if n != 8 && n != 9 {
		return nil, d.fail("app info", "%d elements, want 8 or 9", n)
	}
	a := &AppInfo{}
	var fixed [2][]byte
	for i, dst := range []*[]byte{&a.AppID, &a.ComposeHash, &a.InstanceID, &a.DeviceID, &fixed[0], &fixed[1], &a.OSImageHash, &a.KeyProviderInfo} {
		if *dst, err = d.bytesField(fmt.Sprintf("app info element %d", i)); err != nil {
			return nil, err
		}
	}
	for i, f := range fixed {
		if len(f) != 32 {
			return nil, d.fail("app info", "element %d has %d bytes, want 32", 4+i, len(f))
		}
	}
	a.MrSystem, a.MrAggregated = [32]byte(fixed[0]), [32]byte(fixed[1])
	if n == 9 {
		c, err := d.dec.PeekCode()
		if err != nil {
			return nil, d.wrap("app info", err)
		}
		if c == msgpcode.Nil {
			_ = d.dec.DecodeNil()
		} else {
			a.InitScriptHashes = [][32]byte{}
			err := d.array("init script hashes", func() error {
				h, err := d.bytesField("init script hash")
				if err != nil {
					return err
				}
				if len(h) != 32 {
					return d.fail("init script hash", "%d bytes, want 32", len(h))
				}
				a.InitScriptHashes = append(a.InitScriptHashes, [32]byte(h))
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	if r.Len() != 0 {
		return nil, d.fail("app info", "%d trailing bytes", r.Len())
	}
	return a, nil
}
