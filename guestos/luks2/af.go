package luks2

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
)

// The anti-forensic splitter of LUKS (cryptsetup's lib/luks1/af.c): the key
// is spread over stripes blocks so that destroying any one block destroys
// the key.

// diffuse replaces b by the concatenation of SHA-256(be32(i) ‖ chunk_i) over
// its 32-byte chunks, the last one truncated.
func diffuse(b []byte) {
	var iv [4]byte
	for i, off := 0, 0; off < len(b); i, off = i+1, off+sha256.Size {
		end := min(off+sha256.Size, len(b))
		binary.BigEndian.PutUint32(iv[:], uint32(i))
		h := sha256.New()
		h.Write(iv[:])
		h.Write(b[off:end])
		copy(b[off:end], h.Sum(nil))
	}
}

// afSplit spreads key over n blocks, drawing the random blocks from rnd.
func afSplit(key []byte, n int, rnd io.Reader) ([]byte, error) {
	bs := len(key)
	out := make([]byte, bs*n)
	acc := make([]byte, bs)
	for i := 0; i < n-1; i++ {
		blk := out[i*bs : (i+1)*bs]
		if _, err := io.ReadFull(rnd, blk); err != nil {
			return nil, err
		}
		xorInto(acc, blk)
		diffuse(acc)
	}
	last := out[(n-1)*bs:]
	copy(last, acc)
	xorInto(last, key)
	return out, nil
}

// afMerge recovers a key of size bs from its n split blocks.
func afMerge(split []byte, bs, n int) ([]byte, error) {
	if bs <= 0 || n <= 0 || len(split) < bs*n {
		return nil, errors.New("anti-forensic material is shorter than key size × stripes")
	}
	acc := make([]byte, bs)
	for i := 0; i < n-1; i++ {
		xorInto(acc, split[i*bs:(i+1)*bs])
		diffuse(acc)
	}
	xorInto(acc, split[(n-1)*bs:n*bs])
	return acc, nil
}

func xorInto(dst, src []byte) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}
