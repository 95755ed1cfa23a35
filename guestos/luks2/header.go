// Package luks2 formats and opens LUKS2 volumes in pure Go, the on-disk
// format of cryptsetup
// (https://gitlab.com/cryptsetup/LUKS2-docs/blob/main/luks2_doc_wip.pdf),
// restricted to the one shape the guest's data disk uses: upstream dstack's
// `cryptsetup luksFormat --type luks2 --offset 32768 --cipher aes-xts-plain64
// --pbkdf pbkdf2` (luks_setup in
// https://github.com/Dstack-TEE/dstack/blob/master/dstack-util/src/system_setup.rs).
//
// It exists because no Go library that formats LUKS2 is available to this
// project, and the guest image carries no cryptsetup. A volume it writes
// opens with cryptsetup, and it opens cryptsetup's volumes of that shape.
//
// The header is read from a disk the host controls, so Open validates it as
// upstream's validate_single_luks2_header does before it derives anything:
// both binary headers with their checksums, exactly one segment and digest,
// no tokens or flags, pbkdf2, aes-xts-plain64 without integrity, and offsets
// that fit. Where upstream accepts exactly one keyslot, this package accepts
// up to 32 (cryptsetup's limit), each checked as strictly, with key material
// areas that do not overlap and a digest that covers every one of them: when
// a root rotation of the KMS changes the disk key, AddKey and RemoveKey move
// the volume from the old passphrase to the new one, and in between it has
// two keyslots. It must never return a key for a header it did not fully
// check. Open and ReadHeader never write; Format, AddKey and RemoveKey order
// their writes so that a crash between any two leaves a volume that
// cryptsetup and Open accept.
package luks2

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Layout constants of the binary header (cryptsetup's struct luks2_hdr_disk).
const (
	binHeaderSize = 4096
	magicLen      = 6
	// HeaderSize is the size of each of the two headers (binary header and
	// JSON area) this package writes, cryptsetup's default.
	HeaderSize = 16384
	// DataOffset is where the encrypted data starts: 32768 sectors of 512
	// bytes, upstream dstack's --offset.
	DataOffset = 16 << 20
	sectorSize = 512
	// Cipher is the only data and keyslot cipher accepted.
	Cipher = "aes-xts-plain64"
	// KeySize is the volume key size in bytes (AES-256 in XTS mode).
	KeySize = 64
	stripes = 4000
	hashAlg = "sha256"
	saltLen = 32
	// MaxKeyslots is how many keyslots a volume can have, cryptsetup's
	// LUKS2_KEYSLOTS_MAX.
	MaxKeyslots = 32
)

var (
	magicPrimary   = []byte{'L', 'U', 'K', 'S', 0xba, 0xbe}
	magicSecondary = []byte{'S', 'K', 'U', 'L', 0xba, 0xbe}
)

// ErrNotLUKS2 is returned by ReadHeader when the device does not start with
// a LUKS header at all (a blank disk).
var ErrNotLUKS2 = errors.New("not a LUKS2 volume")

// ErrWrongKey is returned by Open, AddKey and RemoveKey when the
// passphrase opens no keyslot.
var ErrWrongKey = errors.New("the passphrase does not open any LUKS2 keyslot")

// binHeader is the 4096-byte binary header.
type binHeader struct {
	magic     []byte
	version   uint16
	hdrSize   uint64
	seqID     uint64
	label     string
	csumAlg   string
	salt      []byte
	uuid      string
	subsystem string
	hdrOffset uint64
	csum      []byte
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func parseBinHeader(b []byte) binHeader {
	return binHeader{
		magic:     b[0:6],
		version:   binary.BigEndian.Uint16(b[6:8]),
		hdrSize:   binary.BigEndian.Uint64(b[8:16]),
		seqID:     binary.BigEndian.Uint64(b[16:24]),
		label:     cstring(b[24:72]),
		csumAlg:   cstring(b[72:104]),
		salt:      b[104:168],
		uuid:      cstring(b[168:208]),
		subsystem: cstring(b[208:256]),
		hdrOffset: binary.BigEndian.Uint64(b[256:264]),
		csum:      b[448:512],
	}
}

// encodeBinHeader writes h (checksum zero) into a 4096-byte buffer.
func encodeBinHeader(h binHeader) []byte {
	b := make([]byte, binHeaderSize)
	copy(b[0:6], h.magic)
	binary.BigEndian.PutUint16(b[6:8], h.version)
	binary.BigEndian.PutUint64(b[8:16], h.hdrSize)
	binary.BigEndian.PutUint64(b[16:24], h.seqID)
	copy(b[24:72], h.label)
	copy(b[72:104], h.csumAlg)
	copy(b[104:168], h.salt)
	copy(b[168:208], h.uuid)
	copy(b[208:256], h.subsystem)
	binary.BigEndian.PutUint64(b[256:264], h.hdrOffset)
	return b
}

// headerChecksum is SHA-256 over the binary header (checksum field zeroed)
// and the JSON area.
func headerChecksum(area []byte) []byte {
	c := make([]byte, len(area))
	copy(c, area)
	clear(c[448:512])
	s := sha256.Sum256(c)
	return s[:]
}

// Metadata is the LUKS2 JSON metadata.
type Metadata struct {
	Keyslots map[string]Keyslot `json:"keyslots"`
	Tokens   map[string]any     `json:"tokens"`
	Segments map[string]Segment `json:"segments"`
	Digests  map[string]Digest  `json:"digests"`
	Config   Config             `json:"config"`
}

// Keyslot is a LUKS2 keyslot of type luks2.
type Keyslot struct {
	Type     string `json:"type"`
	KeySize  int    `json:"key_size"`
	AF       AF     `json:"af"`
	Area     Area   `json:"area"`
	KDF      KDF    `json:"kdf"`
	Priority *int   `json:"priority,omitempty"`
}

// AF is a keyslot's anti-forensic splitter.
type AF struct {
	Type    string `json:"type"`
	Stripes int    `json:"stripes"`
	Hash    string `json:"hash"`
}

// Area is where a keyslot's key material lies.
type Area struct {
	Type       string `json:"type"`
	Offset     string `json:"offset"`
	Size       string `json:"size"`
	Encryption string `json:"encryption"`
	KeySize    int    `json:"key_size"`
}

// KDF derives a keyslot's key from the passphrase.
type KDF struct {
	Type       string `json:"type"`
	Hash       string `json:"hash,omitempty"`
	Iterations int    `json:"iterations,omitempty"`
	Salt       []byte `json:"salt"`
	// Time, Memory and CPUs are the parameters of argon2, which is
	// refused: they are decoded so that the refusal can say so.
	Time   int `json:"time,omitempty"`
	Memory int `json:"memory,omitempty"`
	CPUs   int `json:"cpus,omitempty"`
}

// Segment is the encrypted data segment.
type Segment struct {
	Type       string          `json:"type"`
	Offset     string          `json:"offset"`
	Size       string          `json:"size"`
	IVTweak    string          `json:"iv_tweak"`
	Encryption string          `json:"encryption"`
	SectorSize int             `json:"sector_size"`
	Integrity  json.RawMessage `json:"integrity,omitempty"`
	Flags      []string        `json:"flags,omitempty"`
}

// Digest checks a volume key.
type Digest struct {
	Type       string   `json:"type"`
	Keyslots   []string `json:"keyslots"`
	Segments   []string `json:"segments"`
	Hash       string   `json:"hash"`
	Iterations int      `json:"iterations"`
	Salt       []byte   `json:"salt"`
	Digest     []byte   `json:"digest"`
}

// Config is the metadata's config object.
type Config struct {
	JSONSize     string   `json:"json_size"`
	KeyslotsSize string   `json:"keyslots_size"`
	Flags        []string `json:"flags,omitempty"`
	Requirements any      `json:"requirements,omitempty"`
}

// Header is a validated LUKS2 header.
type Header struct {
	// UUID is the volume's UUID.
	UUID string
	// Meta is the JSON metadata, already validated.
	Meta Metadata
	// DataOffset and DataSize locate the encrypted segment in bytes; a
	// DataSize of 0 means "to the end of the device".
	DataOffset, DataSize uint64
	// SectorSize is the segment's encryption sector size.
	SectorSize int

	// What AddKey and RemoveKey need to write both headers again: the
	// header size, the sequence id of the header in use, and the salts of
	// the primary and secondary binary headers (kept, as cryptsetup does).
	hdrSize uint64
	seqID   uint64
	salts   [2][]byte
}

// keyslotIDs returns the keyslot numbers of h in ascending order (they
// were validated to be "0" to "31").
func (h *Header) keyslotIDs() []string {
	ids := make([]string, 0, len(h.Meta.Keyslots))
	for id := range h.Meta.Keyslots {
		ids = append(ids, id)
	}
	sortKeyslotIDs(ids)
	return ids
}

// sortKeyslotIDs sorts canonical decimal keyslot numbers numerically.
func sortKeyslotIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	})
}

// maxHeaderSize bounds what ReadHeader reads (cryptsetup's largest header).
const maxHeaderSize = 4 << 20

// ReadHeader reads and validates the two headers of the LUKS2 volume r.
// It returns ErrNotLUKS2 (wrapped) when r does not begin with a LUKS magic.
//
// Both headers must pass every check, each on its own. They are normally
// identical; when their sequence ids differ (a metadata update that
// stopped after writing one of them) the one with the higher sequence id
// is used, as cryptsetup does. A header whose checksum does not match is
// refused rather than passed over, even when the other one is valid:
// cryptsetup would use the valid one, and `cryptsetup repair` on the
// host rewrites the damaged one from it.
func ReadHeader(r io.ReaderAt) (*Header, error) {
	first := make([]byte, binHeaderSize)
	if _, err := r.ReadAt(first, 0); err != nil {
		return nil, fmt.Errorf("reading the LUKS2 header: %w", err)
	}
	if !bytes.Equal(first[:magicLen], magicPrimary) {
		return nil, fmt.Errorf("reading the LUKS2 header: %w", ErrNotLUKS2)
	}
	primary, metaJSON, err := readOne(r, 0, magicPrimary)
	if err != nil {
		return nil, fmt.Errorf("primary LUKS2 header: %w", err)
	}
	secondary, metaJSON2, err := readOne(r, int64(primary.hdrSize), magicSecondary)
	if err != nil {
		return nil, fmt.Errorf("secondary LUKS2 header: %w", err)
	}
	if secondary.hdrSize != primary.hdrSize || secondary.uuid != primary.uuid {
		return nil, fmt.Errorf("the two LUKS2 headers differ in size (%d, %d) or UUID (%q, %q): refusing a volume whose header was changed", primary.hdrSize, secondary.hdrSize, primary.uuid, secondary.uuid)
	}
	if secondary.seqID == primary.seqID && !bytes.Equal(metaJSON, metaJSON2) {
		return nil, fmt.Errorf("the two LUKS2 headers have the same sequence id %d but differ: refusing a volume whose header was changed", primary.seqID)
	}
	h, err := parseMetadata(metaJSON, primary)
	if err != nil {
		return nil, fmt.Errorf("primary LUKS2 header's metadata: %w", err)
	}
	h2, err := parseMetadata(metaJSON2, secondary)
	if err != nil {
		return nil, fmt.Errorf("secondary LUKS2 header's metadata: %w", err)
	}
	if secondary.seqID > primary.seqID {
		h = h2
	}
	h.UUID = primary.uuid
	h.hdrSize = primary.hdrSize
	h.seqID = max(primary.seqID, secondary.seqID)
	h.salts = [2][]byte{bytes.Clone(primary.salt), bytes.Clone(secondary.salt)}
	return h, nil
}

// readOne reads the header at off and returns it with its JSON text.
func readOne(r io.ReaderAt, off int64, magic []byte) (binHeader, []byte, error) {
	b := make([]byte, binHeaderSize)
	if _, err := r.ReadAt(b, off); err != nil {
		return binHeader{}, nil, fmt.Errorf("reading at %d: %w", off, err)
	}
	h := parseBinHeader(b)
	switch {
	case !bytes.Equal(h.magic, magic):
		return h, nil, fmt.Errorf("bad magic % x at %d", h.magic, off)
	case h.version != 2:
		return h, nil, fmt.Errorf("version %d, want 2", h.version)
	case h.hdrSize < HeaderSize || h.hdrSize > maxHeaderSize || h.hdrSize&(h.hdrSize-1) != 0:
		return h, nil, fmt.Errorf("header size %d is not a power of two in [16 KiB, 4 MiB]", h.hdrSize)
	case h.hdrOffset != uint64(off):
		return h, nil, fmt.Errorf("header at %d says it is at %d", off, h.hdrOffset)
	case h.csumAlg != hashAlg:
		return h, nil, fmt.Errorf("checksum algorithm %q, want %q", h.csumAlg, hashAlg)
	case h.label != "" || h.subsystem != "":
		return h, nil, fmt.Errorf("label %q or subsystem %q set: refused", h.label, h.subsystem)
	}
	area := make([]byte, h.hdrSize)
	if _, err := r.ReadAt(area, off); err != nil {
		return h, nil, fmt.Errorf("reading the JSON area at %d: %w", off, err)
	}
	if !bytes.Equal(headerChecksum(area), h.csum[:sha256.Size]) || !allZero(h.csum[sha256.Size:]) {
		return h, nil, errors.New("checksum mismatch (the header was changed, or a crash interrupted its write: when the other header is valid, `cryptsetup repair` on the host rewrites this one from it)")
	}
	j := area[binHeaderSize:]
	if i := bytes.IndexByte(j, 0); i >= 0 {
		if !allZero(j[i:]) {
			return h, nil, errors.New("bytes after the JSON text")
		}
		j = j[:i]
	}
	return h, j, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parseMetadata decodes and validates the JSON metadata against the one
// shape accepted.
func parseMetadata(text []byte, bh binHeader) (*Header, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	var m Metadata
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	switch {
	case len(m.Keyslots) < 1 || len(m.Keyslots) > MaxKeyslots:
		return nil, fmt.Errorf("%d keyslots, want 1 to %d", len(m.Keyslots), MaxKeyslots)
	case len(m.Segments) != 1:
		return nil, fmt.Errorf("%d segments, want exactly 1", len(m.Segments))
	case len(m.Digests) != 1:
		return nil, fmt.Errorf("%d digests, want exactly 1", len(m.Digests))
	case len(m.Tokens) != 0:
		return nil, fmt.Errorf("%d tokens, want none", len(m.Tokens))
	case len(m.Config.Flags) != 0 || m.Config.Requirements != nil:
		return nil, fmt.Errorf("config flags %v or requirements set: refused", m.Config.Flags)
	}
	jsonSize, err := parseUint(m.Config.JSONSize)
	if err != nil || jsonSize != bh.hdrSize-binHeaderSize {
		return nil, fmt.Errorf("config.json_size %q does not match the header size %d", m.Config.JSONSize, bh.hdrSize)
	}
	keyslotsSize, err := parseUint(m.Config.KeyslotsSize)
	if err != nil {
		return nil, fmt.Errorf("config.keyslots_size: %w", err)
	}
	var segID string
	var seg Segment
	for id, v := range m.Segments {
		segID, seg = id, v
	}
	var dg Digest
	for _, v := range m.Digests {
		dg = v
	}
	// Keyslots, each on its own, then their areas against each other.
	type span struct {
		id        string
		off, size uint64
	}
	spans := make([]span, 0, len(m.Keyslots))
	for _, id := range slices.Sorted(maps.Keys(m.Keyslots)) {
		off, size, err := checkKeyslot(id, m.Keyslots[id], bh.hdrSize, keyslotsSize)
		if err != nil {
			return nil, err
		}
		spans = append(spans, span{id, off, size})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.off, b.off) })
	for i := 1; i < len(spans); i++ {
		if p := spans[i-1]; p.off+p.size > spans[i].off {
			return nil, fmt.Errorf("the areas of keyslots %s [%d, +%d) and %s [%d, +%d) overlap", p.id, p.off, p.size, spans[i].id, spans[i].off, spans[i].size)
		}
	}
	// Segment.
	dataOff, err := parseUint(seg.Offset)
	if err != nil {
		return nil, fmt.Errorf("segment offset %q: %w", seg.Offset, err)
	}
	var dataSize uint64
	if seg.Size != "dynamic" {
		if dataSize, err = parseUint(seg.Size); err != nil || dataSize == 0 {
			return nil, fmt.Errorf("segment size %q is neither \"dynamic\" nor a positive number", seg.Size)
		}
	}
	switch {
	case seg.Type != "crypt":
		return nil, fmt.Errorf("segment type %q, want crypt", seg.Type)
	case seg.Encryption != Cipher:
		return nil, fmt.Errorf("segment encryption %q, want %s", seg.Encryption, Cipher)
	case len(seg.Integrity) != 0 || len(seg.Flags) != 0:
		return nil, errors.New("segment integrity or flags set: refused")
	case seg.IVTweak != "0":
		return nil, fmt.Errorf("segment iv_tweak %q, want 0", seg.IVTweak)
	case seg.SectorSize != 512 && seg.SectorSize != 4096:
		return nil, fmt.Errorf("segment sector size %d, want 512 or 4096", seg.SectorSize)
	case dataOff < 2*bh.hdrSize+keyslotsSize || dataOff%uint64(seg.SectorSize) != 0 || dataSize%uint64(seg.SectorSize) != 0:
		return nil, fmt.Errorf("segment offset %d overlaps the header and keyslots (%d bytes) or is not sector-aligned", dataOff, 2*bh.hdrSize+keyslotsSize)
	}
	// Digest.
	switch {
	case dg.Type != "pbkdf2" || dg.Hash != hashAlg || dg.Iterations < 1000 || dg.Iterations > 1<<26:
		return nil, fmt.Errorf("digest %s/%s with %d iterations: want pbkdf2, sha256, 1000..2^26", dg.Type, dg.Hash, dg.Iterations)
	case len(dg.Salt) != saltLen || len(dg.Digest) != sha256.Size:
		return nil, fmt.Errorf("digest salt %d bytes and value %d bytes: want %d and %d", len(dg.Salt), len(dg.Digest), saltLen, sha256.Size)
	case len(dg.Segments) != 1 || dg.Segments[0] != segID:
		return nil, fmt.Errorf("digest covers segments %v: want [%s]", dg.Segments, segID)
	}
	// The one digest checks the key of every keyslot: each listed once, and
	// none that does not exist.
	covered := make(map[string]bool, len(dg.Keyslots))
	for _, id := range dg.Keyslots {
		if _, ok := m.Keyslots[id]; !ok || covered[id] {
			return nil, fmt.Errorf("digest covers keyslots %v: keyslot %q is unknown or listed twice", dg.Keyslots, id)
		}
		covered[id] = true
	}
	if len(covered) != len(m.Keyslots) {
		return nil, fmt.Errorf("digest covers keyslots %v of %d: want every keyslot", dg.Keyslots, len(m.Keyslots))
	}
	return &Header{Meta: m, DataOffset: dataOff, DataSize: dataSize, SectorSize: seg.SectorSize}, nil
}

// checkKeyslot validates keyslot id of a header of hdrSize bytes with a
// keyslots area of keyslotsSize bytes, and returns its key material area.
func checkKeyslot(id string, ks Keyslot, hdrSize, keyslotsSize uint64) (off, size uint64, err error) {
	n, err := strconv.Atoi(id)
	if err != nil || n < 0 || n >= MaxKeyslots || strconv.Itoa(n) != id {
		return 0, 0, fmt.Errorf("keyslot %q: want a number from 0 to %d", id, MaxKeyslots-1)
	}
	areaOff, err1 := parseUint(ks.Area.Offset)
	areaSize, err2 := parseUint(ks.Area.Size)
	switch {
	case ks.Type != "luks2":
		return 0, 0, fmt.Errorf("keyslot %s: type %q, want luks2", id, ks.Type)
	case ks.KeySize != KeySize:
		return 0, 0, fmt.Errorf("keyslot %s: key size %d, want %d", id, ks.KeySize, KeySize)
	case ks.AF.Type != "luks1" || ks.AF.Hash != hashAlg || ks.AF.Stripes < 1 || ks.AF.Stripes > 4000:
		return 0, 0, fmt.Errorf("keyslot %s: anti-forensic splitter %+v: want luks1, sha256, 1..4000 stripes", id, ks.AF)
	case ks.Area.Type != "raw" || ks.Area.Encryption != Cipher || ks.Area.KeySize != KeySize:
		return 0, 0, fmt.Errorf("keyslot %s: area %s/%s/%d: want raw, %s, %d", id, ks.Area.Type, ks.Area.Encryption, ks.Area.KeySize, Cipher, KeySize)
	case ks.KDF.Type != "pbkdf2" || ks.KDF.Hash != hashAlg || ks.KDF.Iterations < 1000 || ks.KDF.Iterations > 1<<26 || len(ks.KDF.Salt) != saltLen || ks.KDF.Time != 0 || ks.KDF.Memory != 0 || ks.KDF.CPUs != 0:
		return 0, 0, fmt.Errorf("keyslot %s: KDF %s/%s, %d iterations, %d-byte salt: want pbkdf2, sha256, 1000..2^26, %d", id, ks.KDF.Type, ks.KDF.Hash, ks.KDF.Iterations, len(ks.KDF.Salt), saltLen)
	case err1 != nil || err2 != nil:
		return 0, 0, fmt.Errorf("keyslot %s: area offset %q or size %q is not a number", id, ks.Area.Offset, ks.Area.Size)
	case areaOff < 2*hdrSize || areaOff%sectorSize != 0 || areaSize%sectorSize != 0 || areaSize < uint64(ks.KeySize*ks.AF.Stripes) || areaSize > keyslotsSize || areaOff+areaSize > 2*hdrSize+keyslotsSize:
		return 0, 0, fmt.Errorf("keyslot %s: area [%d, +%d) lies outside the keyslots area [%d, +%d), is not in whole sectors or is too small", id, areaOff, areaSize, 2*hdrSize, keyslotsSize)
	}
	return areaOff, areaSize, nil
}

func parseUint(s string) (uint64, error) {
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	return strconv.ParseUint(s, 10, 63)
}
