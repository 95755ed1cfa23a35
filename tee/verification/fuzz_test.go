package verification

import (
	"errors"
	"testing"

	"github.com/dstack-go/dstack/internal/fixtures"
)

// FuzzDecodeRequest: any body gives a request or an ErrBadRequest, never a
// panic; a request's evidence decodes or gives an ErrBadRequest too.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(fixtures.Upstream(f, "tdx-lite-getquote.json"))
	f.Add(fixtures.Upstream(f, "tdx-lite-attestation.json"))
	for _, s := range []string{
		`{}`, `{"attestation":"00"}`, `{"quote":"0400","event_log":"[]","vm_config":"{}","debug":true}`,
		`{"quote":null,"attestation":null}`, `{"a":{"b":[1,2,{"c":null}]}}`, `{"quote":"00","quote":"00"}`,
		`[]`, `"x"`, `{"event_log":"[{\"imr\":3}]","quote":""}`, "{\"x\":\"\xff\"}", `{} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeRequest(body)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("error %v is not ErrBadRequest", err)
			}
			return
		}
		if a, err := r.Evidence(); err != nil && !errors.Is(err, ErrBadRequest) {
			t.Fatalf("error %v is not ErrBadRequest", err)
		} else if err == nil && a == nil {
			t.Fatal("no evidence and no error")
		}
	})
}
