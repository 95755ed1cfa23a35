package luks2

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
)

// ReadWriterAt is a LUKS2 volume opened for AddKey and RemoveKey.
//
// Their crash safety rests on the order in which their writes reach the
// disk. When the volume also has a Sync() error method (an *os.File has),
// it is called after each write; a volume without one must make each write
// durable before WriteAt returns (a device opened with O_DSYNC).
type ReadWriterAt interface {
	io.ReaderAt
	io.WriterAt
}

// ErrKeyExists is returned by AddKey when the new passphrase already opens
// a keyslot.
var ErrKeyExists = errors.New("the new passphrase already opens a LUKS2 keyslot")

// ErrLastKeyslot is returned by RemoveKey when the passphrase opens the
// volume's only keyslot: without it, no passphrase would open the volume.
var ErrLastKeyslot = errors.New("refusing to remove the only LUKS2 keyslot")

// AddKey adds a keyslot for newPassphrase to the LUKS2 volume rw, holding
// the volume key that passphrase (the passphrase of a keyslot rw already
// has) opens, and returns the new keyslot's number. The keyslot is the
// lowest free number, has a salt of its own, and its key material lies in
// the first gap of the keyslots area that holds it, as cryptsetup's
// luksAddKey would place it. o.Iterations and o.Rand apply as in Format.
// AddKey returns ErrWrongKey (wrapped) when passphrase opens no keyslot,
// and ErrKeyExists when newPassphrase already opens one.
//
// It writes three times, each write flushed before the next (see
// ReadWriterAt):
//
//  1. the new key material, into an area no keyslot of the header in use
//     refers to (and reads it back through newPassphrase);
//  2. the secondary header with the new keyslot, its sequence id one above
//     that of the header in use;
//  3. the primary header, the same.
//
// A crash before 2 leaves the headers as they were, and the volume opens
// with passphrase alone. A crash between 2 and 3 leaves two valid headers,
// of which the secondary has the higher sequence id: cryptsetup and
// ReadHeader use it, and the volume opens with either passphrase. After 3
// both headers agree. (A crash inside one header write leaves that header
// with a checksum that does not match: cryptsetup then uses the other one
// and repairs it; ReadHeader refuses the volume until `cryptsetup repair`
// has.)
func AddKey(rw ReadWriterAt, passphrase, newPassphrase []byte, o FormatOptions) (int, error) {
	if len(newPassphrase) == 0 {
		return 0, errors.New("adding a LUKS2 keyslot: empty passphrase")
	}
	rnd, iter, err := o.defaults()
	if err != nil {
		return 0, fmt.Errorf("adding a LUKS2 keyslot: %w", err)
	}
	h, err := ReadHeader(rw)
	if err != nil {
		return 0, fmt.Errorf("adding a LUKS2 keyslot: %w", err)
	}
	vk, _, err := openKeyslot(rw, h, passphrase)
	if err != nil {
		return 0, fmt.Errorf("adding a LUKS2 keyslot: the existing passphrase: %w", err)
	}
	defer clear(vk)
	switch _, id, err := openKeyslot(rw, h, newPassphrase); {
	case err == nil:
		return 0, fmt.Errorf("adding a LUKS2 keyslot to volume %s: keyslot %s: %w", h.UUID, id, ErrKeyExists)
	case !errors.Is(err, ErrWrongKey):
		return 0, fmt.Errorf("adding a LUKS2 keyslot: %w", err)
	}
	n := 0
	for n < MaxKeyslots && h.Meta.Keyslots[strconv.Itoa(n)].Type != "" {
		n++
	}
	if n == MaxKeyslots {
		return 0, fmt.Errorf("adding a LUKS2 keyslot to volume %s: all %d keyslots are in use", h.UUID, MaxKeyslots)
	}
	id := strconv.Itoa(n)
	areaOff, err := freeArea(h, keyslotAreaSize)
	if err != nil {
		return 0, fmt.Errorf("adding a LUKS2 keyslot to volume %s: %w", h.UUID, err)
	}
	ks, material, err := newKeyslot(vk, newPassphrase, areaOff, iter, rnd)
	if err != nil {
		return 0, fmt.Errorf("adding a LUKS2 keyslot: %w", err)
	}
	meta := h.Meta.clone()
	meta.Keyslots[id] = ks
	dgID, dg := meta.digest()
	dg.Keyslots = append(slices.Clone(dg.Keyslots), id)
	sortKeyslotIDs(dg.Keyslots)
	meta.Digests[dgID] = dg
	areas, err := nextHeaders(h, meta)
	if err != nil {
		return 0, fmt.Errorf("adding a LUKS2 keyslot: %w", err)
	}
	if err := writeSynced(rw, material, int64(areaOff)); err != nil {
		return 0, fmt.Errorf("adding a LUKS2 keyslot: writing its key material at %d: %w", areaOff, err)
	}
	got, err := unlockKeyslot(rw, ks, dg, newPassphrase)
	if err != nil || !bytes.Equal(got, vk) {
		return 0, fmt.Errorf("adding a LUKS2 keyslot: the key material written at %d does not read back (%v): the headers were left as they were", areaOff, err)
	}
	clear(got)
	if err := writeHeaders(rw, areas); err != nil {
		return 0, fmt.Errorf("adding LUKS2 keyslot %s: %w", id, err)
	}
	return n, nil
}

// RemoveKey removes from the LUKS2 volume rw the first keyslot (in
// ascending number) that passphrase opens, overwrites its key material
// with random bytes, and returns its number. It returns ErrWrongKey
// (wrapped) when passphrase opens no keyslot, and ErrLastKeyslot when that
// keyslot is the volume's only one.
//
// It writes three times, each write flushed before the next (see
// ReadWriterAt):
//
//  1. random bytes over the keyslot's key material, as cryptsetup's
//     luksKillSlot does before it writes the header: from then on the
//     keyslot opens with no passphrase, whatever happens next;
//  2. the secondary header without the keyslot, its sequence id one above
//     that of the header in use;
//  3. the primary header, the same.
//
// The other keyslots are never touched, so a crash at any point leaves a
// volume they open. A crash between 1 and 2 leaves headers that still list
// the wiped keyslot: no passphrase opens it, and it costs Open one key
// derivation until it is removed (by cryptsetup luksKillSlot; RemoveKey
// cannot find it, as no passphrase opens it). A crash between 2 and 3
// leaves the secondary header, which has the higher sequence id, in use.
func RemoveKey(rw ReadWriterAt, passphrase []byte) (int, error) {
	h, err := ReadHeader(rw)
	if err != nil {
		return 0, fmt.Errorf("removing a LUKS2 keyslot: %w", err)
	}
	vk, id, err := openKeyslot(rw, h, passphrase)
	if err != nil {
		return 0, fmt.Errorf("removing a LUKS2 keyslot: %w", err)
	}
	clear(vk)
	if len(h.Meta.Keyslots) == 1 {
		return 0, fmt.Errorf("removing keyslot %s of LUKS2 volume %s: %w", id, h.UUID, ErrLastKeyslot)
	}
	ks := h.Meta.Keyslots[id]
	meta := h.Meta.clone()
	delete(meta.Keyslots, id)
	dgID, dg := meta.digest()
	dg.Keyslots = slices.DeleteFunc(slices.Clone(dg.Keyslots), func(s string) bool { return s == id })
	meta.Digests[dgID] = dg
	areas, err := nextHeaders(h, meta)
	if err != nil {
		return 0, fmt.Errorf("removing LUKS2 keyslot %s: %w", id, err)
	}
	areaOff, _ := parseUint(ks.Area.Offset)
	areaSize, _ := parseUint(ks.Area.Size)
	noise := make([]byte, areaSize)
	if _, err := rand.Read(noise); err != nil {
		return 0, err
	}
	if err := writeSynced(rw, noise, int64(areaOff)); err != nil {
		return 0, fmt.Errorf("removing LUKS2 keyslot %s: wiping its key material at %d: %w", id, areaOff, err)
	}
	if err := writeHeaders(rw, areas); err != nil {
		return 0, fmt.Errorf("removing LUKS2 keyslot %s (its key material is already wiped): %w", id, err)
	}
	n, _ := strconv.Atoi(id)
	return n, nil
}

// nextHeaders encodes meta as the next version of h's headers.
func nextHeaders(h *Header, meta Metadata) ([2][]byte, error) {
	if h.seqID == math.MaxUint64 {
		return [2][]byte{}, fmt.Errorf("the header's sequence id %d cannot grow", h.seqID)
	}
	return encodeHeaders(h.hdrSize, h.seqID+1, h.UUID, h.salts, meta)
}

// freeArea returns the offset of the first 4096-aligned gap of size bytes
// in h's keyslots area that no keyslot's key material occupies.
func freeArea(h *Header, size uint64) (uint64, error) {
	type span struct{ off, size uint64 }
	var spans []span
	for _, ks := range h.Meta.Keyslots {
		off, _ := parseUint(ks.Area.Offset)
		n, _ := parseUint(ks.Area.Size)
		spans = append(spans, span{off, n})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.off, b.off) })
	keyslotsSize, _ := parseUint(h.Meta.Config.KeyslotsSize)
	start, end := 2*h.hdrSize, 2*h.hdrSize+keyslotsSize
	align := func(v uint64) uint64 { return (v + 4095) / 4096 * 4096 }
	off := align(start)
	for _, s := range spans {
		if off+size <= s.off {
			break
		}
		off = max(off, align(s.off+s.size))
	}
	if off+size > end {
		return 0, fmt.Errorf("no room for another %d-byte keyslot area in the keyslots area [%d, %d)", size, start, end)
	}
	return off, nil
}

// clone copies m deeply enough that its keyslots and digests can change.
func (m Metadata) clone() Metadata {
	c := m
	c.Keyslots = maps.Clone(m.Keyslots)
	c.Digests = maps.Clone(m.Digests)
	return c
}

// digest returns the metadata's one digest (validated to be one).
func (m Metadata) digest() (string, Digest) {
	for id, dg := range m.Digests {
		return id, dg
	}
	return "", Digest{}
}
