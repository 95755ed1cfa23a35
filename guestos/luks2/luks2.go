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

// FormatOptions tune Format.
type FormatOptions struct {
	// Iterations is the PBKDF2-SHA256 iteration count of the keyslot and of
	// the digest. Zero means 1000, cryptsetup's minimum: the passphrase
	// this package is meant for is a 256-bit random key (upstream dstack's
	// hex(disk_crypt_key)), which no iteration count makes harder to guess.
	Iterations int
	// Rand is the source of the volume key, salts and anti-forensic
	// stripes. Nil means crypto/rand.
	Rand io.Reader
}

// keyslotAreaSize is the keyslot area of KeySize × stripes bytes, rounded
// up to 4096 as cryptsetup does.
const keyslotAreaSize = (KeySize*stripes + 4095) / 4096 * 4096

// Format writes a new LUKS2 header and keyslot for passphrase to w, a
// device of size bytes, and returns the volume key. Data beyond DataOffset
// is not touched (it is not wiped: what was there reads as noise through
// the new key). The primary header is written last, so an interrupted
// Format leaves a device ReadHeader calls ErrNotLUKS2.
func Format(w io.WriterAt, size int64, passphrase []byte, o FormatOptions) ([]byte, error) {
	if size < DataOffset+1<<20 {
		return nil, fmt.Errorf("formatting LUKS2: the device has %d bytes, want at least %d", size, DataOffset+1<<20)
	}
	if len(passphrase) == 0 {
		return nil, errors.New("formatting LUKS2: empty passphrase")
	}
	rnd := o.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	iter := o.Iterations
	if iter == 0 {
		iter = 1000
	}
	if iter < 1000 {
		return nil, fmt.Errorf("formatting LUKS2: %d PBKDF2 iterations, cryptsetup accepts no fewer than 1000", iter)
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
	ksSalt, err := random(saltLen)
	if err != nil {
		return nil, err
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

	// Keyslot material: AF-split volume key encrypted with the passphrase key.
	split, err := afSplit(vk, stripes, rnd)
	if err != nil {
		return nil, fmt.Errorf("formatting LUKS2: splitting the key: %w", err)
	}
	material := make([]byte, keyslotAreaSize)
	copy(material, split)
	slotKey, err := pbkdf2.Key(sha256.New, string(passphrase), ksSalt, iter, KeySize)
	if err != nil {
		return nil, err
	}
	if err := xtsSectors(slotKey, material, true); err != nil {
		return nil, err
	}
	digest, err := pbkdf2.Key(sha256.New, string(vk), dgSalt, iter, sha256.Size)
	if err != nil {
		return nil, err
	}
	areaOff := uint64(2 * HeaderSize)
	meta := Metadata{
		Keyslots: map[string]Keyslot{"0": {
			Type: "luks2", KeySize: KeySize,
			AF:   AF{Type: "luks1", Stripes: stripes, Hash: hashAlg},
			Area: Area{Type: "raw", Offset: strconv.FormatUint(areaOff, 10), Size: strconv.Itoa(keyslotAreaSize), Encryption: Cipher, KeySize: KeySize},
			KDF:  KDF{Type: "pbkdf2", Hash: hashAlg, Iterations: iter, Salt: ksSalt},
		}},
		Tokens:   map[string]any{},
		Segments: map[string]Segment{"0": {Type: "crypt", Offset: strconv.Itoa(DataOffset), Size: "dynamic", IVTweak: "0", Encryption: Cipher, SectorSize: sectorSize}},
		Digests:  map[string]Digest{"0": {Type: "pbkdf2", Keyslots: []string{"0"}, Segments: []string{"0"}, Hash: hashAlg, Iterations: iter, Salt: dgSalt, Digest: digest}},
		Config:   Config{JSONSize: strconv.Itoa(HeaderSize - binHeaderSize), KeyslotsSize: strconv.FormatUint(DataOffset-areaOff, 10)},
	}
	text, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	if len(text) >= HeaderSize-binHeaderSize {
		return nil, fmt.Errorf("formatting LUKS2: metadata of %d bytes does not fit", len(text))
	}
	if _, err := w.WriteAt(material, int64(areaOff)); err != nil {
		return nil, fmt.Errorf("formatting LUKS2: writing the keyslot: %w", err)
	}
	areas := make([][]byte, 2)
	for i, magic := range [][]byte{magicPrimary, magicSecondary} {
		area := make([]byte, HeaderSize)
		copy(area, encodeBinHeader(binHeader{
			magic: magic, version: 2, hdrSize: HeaderSize, seqID: 1, csumAlg: hashAlg,
			salt: hdrSalt, uuid: u.String(), hdrOffset: uint64(i * HeaderSize),
		}))
		copy(area[binHeaderSize:], text)
		copy(area[448:], headerChecksum(area))
		areas[i] = area
	}
	if _, err := w.WriteAt(areas[1], HeaderSize); err != nil {
		return nil, fmt.Errorf("formatting LUKS2: writing the secondary header: %w", err)
	}
	if _, err := w.WriteAt(areas[0], 0); err != nil {
		return nil, fmt.Errorf("formatting LUKS2: writing the primary header: %w", err)
	}
	return vk, nil
}

// Open validates the LUKS2 header of r and returns it with the volume key
// the passphrase unlocks. It returns ErrWrongKey (wrapped) when the
// passphrase does not match, and ErrNotLUKS2 when r has no LUKS header.
func Open(r io.ReaderAt, passphrase []byte) (*Header, []byte, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return nil, nil, err
	}
	var ks Keyslot
	for _, v := range h.Meta.Keyslots {
		ks = v
	}
	var dg Digest
	for _, v := range h.Meta.Digests {
		dg = v
	}
	areaOff, _ := parseUint(ks.Area.Offset)
	n := ks.KeySize * ks.AF.Stripes
	material := make([]byte, (n+sectorSize-1)/sectorSize*sectorSize)
	if _, err := r.ReadAt(material, int64(areaOff)); err != nil {
		return nil, nil, fmt.Errorf("opening LUKS2: reading the keyslot: %w", err)
	}
	slotKey, err := pbkdf2.Key(sha256.New, string(passphrase), ks.KDF.Salt, ks.KDF.Iterations, ks.Area.KeySize)
	if err != nil {
		return nil, nil, err
	}
	if err := xtsSectors(slotKey, material, false); err != nil {
		return nil, nil, err
	}
	vk, err := afMerge(material, ks.KeySize, ks.AF.Stripes)
	if err != nil {
		return nil, nil, err
	}
	got, err := pbkdf2.Key(sha256.New, string(vk), dg.Salt, dg.Iterations, len(dg.Digest))
	if err != nil {
		return nil, nil, err
	}
	if subtle.ConstantTimeCompare(got, dg.Digest) != 1 {
		return nil, nil, fmt.Errorf("opening LUKS2 volume %s: %w", h.UUID, ErrWrongKey)
	}
	return h, vk, nil
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
