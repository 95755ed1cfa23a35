package luks2

import (
	"crypto/aes"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/google/uuid"
	"golang.org/x/crypto/xts"
)

// FormatOptions tune Format and AddKey.
type FormatOptions struct {
	// Iterations is the PBKDF2-SHA256 iteration count of the keyslot and,
	// for Format, of the digest. Zero means 1000, cryptsetup's minimum: the
	// passphrase this package is meant for is a 256-bit random key
	// (upstream dstack's hex(disk_crypt_key)), which no iteration count
	// makes harder to guess.
	Iterations int
	// Rand is the source of the volume key, salts and anti-forensic
	// stripes. Nil means crypto/rand.
	Rand io.Reader
}

func (o FormatOptions) defaults() (io.Reader, int, error) {
	rnd, iter := o.Rand, o.Iterations
	if rnd == nil {
		rnd = rand.Reader
	}
	if iter == 0 {
		iter = 1000
	}
	if iter < 1000 || iter > 1<<26 {
		return nil, 0, fmt.Errorf("%d PBKDF2 iterations: cryptsetup accepts no fewer than 1000, and Open no more than 2^26", iter)
	}
	return rnd, iter, nil
}

// keyslotAreaSize is the keyslot area of KeySize × stripes bytes, rounded
// up to 4096 as cryptsetup does.
const keyslotAreaSize = (KeySize*stripes + 4095) / 4096 * 4096

// Format writes a new LUKS2 header and keyslot for passphrase to w, a
// device of size bytes, and returns the volume key. Data beyond DataOffset
// is not touched (it is not wiped: what was there reads as noise through
// the new key). The primary header is written last, so an interrupted
// Format leaves a device ReadHeader calls ErrNotLUKS2. When w has a
// Sync() error method, it is called after each write.
func Format(w io.WriterAt, size int64, passphrase []byte, o FormatOptions) ([]byte, error) {
	if size < DataOffset+1<<20 {
		return nil, fmt.Errorf("formatting LUKS2: the device has %d bytes, want at least %d", size, DataOffset+1<<20)
	}
	if len(passphrase) == 0 {
		return nil, errors.New("formatting LUKS2: empty passphrase")
	}
	rnd, iter, err := o.defaults()
	if err != nil {
		return nil, fmt.Errorf("formatting LUKS2: %w", err)
	}
	random := func(n int) ([]byte, error) {
		b := make([]byte, n)
		_, err := io.ReadFull(rnd, b)
		return b, err
	}
	vk, err := random(KeySize)
	if err != nil {
		return nil, fmt.Errorf("formatting LUKS2: volume key: %w", err)
	}
	dgSalt, err := random(saltLen)
	if err != nil {
		return nil, err
	}
	hdrSalt, err := random(64)
	if err != nil {
		return nil, err
	}
	uuidBytes, err := random(16)
	if err != nil {
		return nil, err
	}
	u, _ := uuid.FromBytes(uuidBytes)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80

	areaOff := uint64(2 * HeaderSize)
	ks, material, err := newKeyslot(vk, passphrase, areaOff, iter, rnd)
	if err != nil {
		return nil, fmt.Errorf("formatting LUKS2: %w", err)
	}
	digest, err := pbkdf2.Key(sha256.New, string(vk), dgSalt, iter, sha256.Size)
	if err != nil {
		return nil, err
	}
	meta := Metadata{
		Keyslots: map[string]Keyslot{"0": ks},
		Tokens:   map[string]any{},
		Segments: map[string]Segment{"0": {Type: "crypt", Offset: strconv.Itoa(DataOffset), Size: "dynamic", IVTweak: "0", Encryption: Cipher, SectorSize: sectorSize}},
		Digests:  map[string]Digest{"0": {Type: "pbkdf2", Keyslots: []string{"0"}, Segments: []string{"0"}, Hash: hashAlg, Iterations: iter, Salt: dgSalt, Digest: digest}},
		Config:   Config{JSONSize: strconv.Itoa(HeaderSize - binHeaderSize), KeyslotsSize: strconv.FormatUint(DataOffset-areaOff, 10)},
	}
	areas, err := encodeHeaders(HeaderSize, 1, u.String(), [2][]byte{hdrSalt, hdrSalt}, meta)
	if err != nil {
		return nil, fmt.Errorf("formatting LUKS2: %w", err)
	}
	if err := writeSynced(w, material, int64(areaOff)); err != nil {
		return nil, fmt.Errorf("formatting LUKS2: writing the keyslot: %w", err)
	}
	if err := writeHeaders(w, areas); err != nil {
		return nil, fmt.Errorf("formatting LUKS2: %w", err)
	}
	return vk, nil
}

// newKeyslot makes a keyslot for passphrase holding volume key vk, with
// its key material at areaOff: the AF-split volume key encrypted with the
// key PBKDF2 derives from the passphrase and a new salt.
func newKeyslot(vk, passphrase []byte, areaOff uint64, iter int, rnd io.Reader) (Keyslot, []byte, error) {
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return Keyslot{}, nil, fmt.Errorf("keyslot salt: %w", err)
	}
	split, err := afSplit(vk, stripes, rnd)
	if err != nil {
		return Keyslot{}, nil, fmt.Errorf("splitting the key: %w", err)
	}
	material := make([]byte, keyslotAreaSize)
	copy(material, split)
	slotKey, err := pbkdf2.Key(sha256.New, string(passphrase), salt, iter, KeySize)
	if err != nil {
		return Keyslot{}, nil, err
	}
	if err := xtsSectors(slotKey, material, true); err != nil {
		return Keyslot{}, nil, err
	}
	return Keyslot{
		Type: "luks2", KeySize: len(vk),
		AF:   AF{Type: "luks1", Stripes: stripes, Hash: hashAlg},
		Area: Area{Type: "raw", Offset: strconv.FormatUint(areaOff, 10), Size: strconv.Itoa(keyslotAreaSize), Encryption: Cipher, KeySize: KeySize},
		KDF:  KDF{Type: "pbkdf2", Hash: hashAlg, Iterations: iter, Salt: salt},
	}, material, nil
}

// encodeHeaders returns the primary and secondary header areas (binary
// header, JSON text, zero padding, checksum) of meta, which must pass the
// validation ReadHeader applies: nothing writes a header it would refuse.
func encodeHeaders(hdrSize, seqID uint64, uuid string, salts [2][]byte, meta Metadata) ([2][]byte, error) {
	text, err := json.Marshal(meta)
	if err != nil {
		return [2][]byte{}, err
	}
	if uint64(len(text)) >= hdrSize-binHeaderSize {
		return [2][]byte{}, fmt.Errorf("metadata of %d bytes does not fit in the %d-byte JSON area", len(text), hdrSize-binHeaderSize)
	}
	if _, err := parseMetadata(text, binHeader{hdrSize: hdrSize}); err != nil {
		return [2][]byte{}, fmt.Errorf("the new metadata does not validate: %w", err)
	}
	var areas [2][]byte
	for i, magic := range [][]byte{magicPrimary, magicSecondary} {
		area := make([]byte, hdrSize)
		copy(area, encodeBinHeader(binHeader{
			magic: magic, version: 2, hdrSize: hdrSize, seqID: seqID, csumAlg: hashAlg,
			salt: salts[i], uuid: uuid, hdrOffset: uint64(i) * hdrSize,
		}))
		copy(area[binHeaderSize:], text)
		copy(area[448:], headerChecksum(area))
		areas[i] = area
	}
	return areas, nil
}

// writeHeaders writes the secondary header area, then the primary one. The
// primary is the one every reader looks at first, and its magic is what
// marks a device as LUKS: it changes last, once the secondary already
// holds what it will say.
func writeHeaders(w io.WriterAt, areas [2][]byte) error {
	if err := writeSynced(w, areas[1], int64(len(areas[0]))); err != nil {
		return fmt.Errorf("writing the secondary header: %w", err)
	}
	if err := writeSynced(w, areas[0], 0); err != nil {
		return fmt.Errorf("writing the primary header: %w", err)
	}
	return nil
}

// writeSynced writes b at off and, when w can, flushes it to the device,
// so that the order of the writes of a metadata update is the order in
// which they reach the disk.
func writeSynced(w io.WriterAt, b []byte, off int64) error {
	if _, err := w.WriteAt(b, off); err != nil {
		return err
	}
	if s, ok := w.(interface{ Sync() error }); ok {
		if err := s.Sync(); err != nil {
			return fmt.Errorf("flushing: %w", err)
		}
	}
	return nil
}

// Open validates the LUKS2 header of r and returns it with the volume key
// the passphrase unlocks. It tries the keyslots in ascending number and
// stops at the first the passphrase opens. It returns ErrWrongKey
// (wrapped) when the passphrase opens none, and ErrNotLUKS2 when r has no
// LUKS header.
func Open(r io.ReaderAt, passphrase []byte) (*Header, []byte, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return nil, nil, err
	}
	vk, _, err := openKeyslot(r, h, passphrase)
	if err != nil {
		return nil, nil, err
	}
	return h, vk, nil
}

// openKeyslot returns the volume key and the number of the first keyslot
// of h the passphrase opens.
func openKeyslot(r io.ReaderAt, h *Header, passphrase []byte) ([]byte, string, error) {
	_, dg := h.Meta.digest()
	for _, id := range h.keyslotIDs() {
		vk, err := unlockKeyslot(r, h.Meta.Keyslots[id], dg, passphrase)
		if err != nil {
			return nil, "", fmt.Errorf("opening keyslot %s of LUKS2 volume %s: %w", id, h.UUID, err)
		}
		if vk != nil {
			return vk, id, nil
		}
	}
	return nil, "", fmt.Errorf("opening LUKS2 volume %s (%d keyslots): %w", h.UUID, len(h.Meta.Keyslots), ErrWrongKey)
}

// unlockKeyslot returns the volume key keyslot ks holds when the
// passphrase opens it and the digest dg confirms it, and nil when not.
func unlockKeyslot(r io.ReaderAt, ks Keyslot, dg Digest, passphrase []byte) ([]byte, error) {
	areaOff, _ := parseUint(ks.Area.Offset)
	n := ks.KeySize * ks.AF.Stripes
	material := make([]byte, (n+sectorSize-1)/sectorSize*sectorSize)
	if _, err := r.ReadAt(material, int64(areaOff)); err != nil {
		return nil, fmt.Errorf("reading the key material: %w", err)
	}
	slotKey, err := pbkdf2.Key(sha256.New, string(passphrase), ks.KDF.Salt, ks.KDF.Iterations, ks.Area.KeySize)
	if err != nil {
		return nil, err
	}
	if err := xtsSectors(slotKey, material, false); err != nil {
		return nil, err
	}
	vk, err := afMerge(material, ks.KeySize, ks.AF.Stripes)
	if err != nil {
		return nil, err
	}
	got, err := pbkdf2.Key(sha256.New, string(vk), dg.Salt, dg.Iterations, len(dg.Digest))
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(got, dg.Digest) != 1 {
		return nil, nil
	}
	return vk, nil
}

// xtsSectors en- or decrypts buf in place with AES-XTS, 512-byte sectors
// numbered from 0 (plain64 IVs).
func xtsSectors(key, buf []byte, encrypt bool) error {
	c, err := xts.NewCipher(aes.NewCipher, key)
	if err != nil {
		return fmt.Errorf("keyslot cipher: %w", err)
	}
	for s := 0; s*sectorSize < len(buf); s++ {
		b := buf[s*sectorSize : (s+1)*sectorSize]
		if encrypt {
			c.Encrypt(b, b, uint64(s))
		} else {
			c.Decrypt(b, b, uint64(s))
		}
	}
	return nil
}
