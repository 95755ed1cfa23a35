package seal

import (
	"bytes"
	"errors"
	"testing"
)

func TestSeal(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	plain := []byte("a root share")
	sealed, err := Seal("test-v1", key, plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, plain) {
		t.Fatal("plaintext in the sealed file")
	}
	got, err := Open("test-v1", key, sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := Open("test-v1", bytes.Repeat([]byte{2}, 32), sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("another sealing key: %v", err)
	}
	if _, err := Open("other-v1", key, sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("another magic: %v", err)
	}
	for i := range sealed {
		flipped := bytes.Clone(sealed)
		flipped[i] ^= 0x20
		if got, err := Open("test-v1", key, flipped); err == nil && !bytes.Equal(got, plain) {
			t.Fatalf("byte %d flipped opens to other plaintext", i)
		}
	}
	if _, err := Seal("test-v1", []byte("short"), plain); err == nil {
		t.Fatal("short sealing key accepted")
	}
}
