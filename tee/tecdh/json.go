package tecdh

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// The JSON form of a key set, as configuration and the KMS's public record
// carry it:
//
//	{"threshold":2,"root":"…","shares":[{"id":"00…01","point":"…"},…]}
//
// with ids and points in hex (32 bytes each).
type keySetJSON struct {
	Threshold int               `json:"threshold"`
	Root      string            `json:"root"`
	Shares    []publicShareJSON `json:"shares"`
}

type publicShareJSON struct {
	ID    string `json:"id"`
	Point string `json:"point"`
}

// MarshalJSON writes the key set with its ids and points in hex.
func (k KeySet) MarshalJSON() ([]byte, error) {
	j := keySetJSON{Threshold: k.Threshold, Root: hex.EncodeToString(k.Root[:]), Shares: []publicShareJSON{}}
	for _, s := range k.Shares {
		j.Shares = append(j.Shares, publicShareJSON{ID: hex.EncodeToString(s.ID[:]), Point: hex.EncodeToString(s.Point[:])})
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the key set's JSON strictly (unknown fields and ids
// or points of another length are errors); it does not Validate.
func (k *KeySet) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var j keySetJSON
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("%w: env key set: %v", ErrMalformed, err)
	}
	if len(j.Shares) > MaxNodes {
		return fmt.Errorf("%w: env key set: %d shares, at most %d", ErrMalformed, len(j.Shares), MaxNodes)
	}
	out := KeySet{Threshold: j.Threshold}
	if err := unhex32(&out.Root, j.Root, "root"); err != nil {
		return err
	}
	for _, s := range j.Shares {
		var p PublicShare
		if err := unhex32((*[32]byte)(&p.ID), s.ID, "node id"); err != nil {
			return err
		}
		if err := unhex32(&p.Point, s.Point, "public share"); err != nil {
			return err
		}
		out.Shares = append(out.Shares, p)
	}
	*k = out
	return nil
}

func unhex32(dst *[32]byte, s, what string) error {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(dst) {
		return fmt.Errorf("%w: env key set: %s: want 64 hex digits", ErrMalformed, what)
	}
	copy(dst[:], b)
	return nil
}
