package tkey

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// MaxKeySetJSON bounds a key set's JSON (64 nodes take some 8 KiB).
const MaxKeySetJSON = 64 << 10

// ParseKeySet reads a key set from its JSON, as configuration carries it:
//
//	{"epoch":1,"threshold":2,"root":"02…","shares":[{"id":"00…01","point":"03…"},…],
//	 "ca_pubkey":"3059…","k256_pubkey":"02…","env":{"threshold":2,"root":"…","shares":[…]}}
//
// with ids, points and keys in hex. Unknown fields, trailing data and an
// inconsistent key set (Validate) are errors.
func ParseKeySet(b []byte) (*KeySet, error) {
	if len(b) > MaxKeySetJSON {
		return nil, fmt.Errorf("reading a threshold key set: %d bytes, at most %d", len(b), MaxKeySetJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var k KeySet
	if err := dec.Decode(&k); err != nil {
		return nil, fmt.Errorf("reading a threshold key set: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("reading a threshold key set: trailing data after the JSON object")
	}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return &k, nil
}

// MarshalJSON writes the key set with its byte fields in hex.
func (k *KeySet) MarshalJSON() ([]byte, error) {
	type plain KeySet
	return json.Marshal(&struct {
		*plain
		CAPubkey   string `json:"ca_pubkey,omitempty"`
		K256Pubkey string `json:"k256_pubkey,omitempty"`
	}{plain: (*plain)(k), CAPubkey: hex.EncodeToString(k.CAPubkey), K256Pubkey: hex.EncodeToString(k.K256Pubkey)})
}

// UnmarshalJSON reads the key set with its byte fields in hex.
func (k *KeySet) UnmarshalJSON(b []byte) error {
	type plain KeySet
	aux := struct {
		*plain
		CAPubkey   string `json:"ca_pubkey,omitempty"`
		K256Pubkey string `json:"k256_pubkey,omitempty"`
	}{plain: (*plain)(k)}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		return err
	}
	var err error
	if k.CAPubkey, err = hex.DecodeString(aux.CAPubkey); err != nil {
		return fmt.Errorf("ca_pubkey: %w", err)
	}
	if k.K256Pubkey, err = hex.DecodeString(aux.K256Pubkey); err != nil {
		return fmt.Errorf("k256_pubkey: %w", err)
	}
	if len(k.CAPubkey) == 0 {
		k.CAPubkey = nil
	}
	if len(k.K256Pubkey) == 0 {
		k.K256Pubkey = nil
	}
	return nil
}

// MarshalText writes the id in hex.
func (id NodeID) MarshalText() ([]byte, error) { return hexText(id[:]), nil }

// UnmarshalText reads a 32-byte hex id.
func (id *NodeID) UnmarshalText(b []byte) error { return unhexFixed(id[:], b, "node id") }

// MarshalText writes the point in hex.
func (p Point) MarshalText() ([]byte, error) { return hexText(p[:]), nil }

// UnmarshalText reads a 33-byte hex point.
func (p *Point) UnmarshalText(b []byte) error { return unhexFixed(p[:], b, "point") }

func hexText(b []byte) []byte { return []byte(hex.EncodeToString(b)) }

func unhexFixed(dst, text []byte, what string) error {
	if hex.DecodedLen(len(text)) != len(dst) {
		return fmt.Errorf("%w: %s: %d hex digits, want %d", ErrMalformed, what, len(text), 2*len(dst))
	}
	if _, err := hex.Decode(dst, text); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	return nil
}
