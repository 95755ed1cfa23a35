package guesttest

import (
	"testing"

	"github.com/dstack-go/dstack/tee/identity"
)

// TestComposeIsCanonical: the test app-compose is written as every
// app-compose of this project is, so the SDKs' getComposeHash predicts its
// hash.
func TestComposeIsCanonical(t *testing.T) {
	if !identity.IsCanonicalJSON([]byte(Compose)) {
		t.Fatal("guesttest.Compose is not in canonical JSON")
	}
}
