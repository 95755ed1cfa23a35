package acmeinfo

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
)

var (
	tdOnce sync.Once
	tdVal  *testTD
	tdErr  error
)

type testTD struct {
	pki   *mock.PKI
	att   attest.Attester
	appID []byte
}

func gatewayTD(t testing.TB) *testTD {
	t.Helper()
	tdOnce.Do(func() {
		pki, err := mock.NewPKI([]byte("acmeinfo test PKI"))
		if err != nil {
			tdErr = err
			return
		}
		id := bytes.Repeat([]byte{0x61}, 20)
		td, err := pki.BootTD(mock.Identity{AppID: id, ComposeHash: make([]byte, 32), InstanceID: bytes.Repeat([]byte{2}, 20)})
		if err != nil {
			tdErr = err
			return
		}
		tdVal = &testTD{pki: pki, att: td.Attester(), appID: id}
	})
	if tdErr != nil {
		t.Fatal(tdErr)
	}
	return tdVal
}

// AppIs accepts evidence of one app id.
func appIs(id []byte) Policy {
	return func(v *attest.Verified) error {
		if !bytes.Equal(v.AppID, id) {
			return fmt.Errorf("app id %x is not the gateway's %x", v.AppID, id)
		}
		return nil
	}
}

func spki(t testing.TB) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// record makes a record of the given keys, each attested by td over the
// report data rd(key) gives.
func record(t testing.TB, td *testTD, uri string, keys ...[]byte) *Info {
	t.Helper()
	ctx := context.Background()
	info := &Info{AccountURI: uri}
	ev, err := Attest(ctx, td.att, AccountReportData(uri))
	if err != nil {
		t.Fatal(err)
	}
	info.AccountQuote, info.AccountAttestation = ev.Quote, ev.Attestation
	for _, k := range keys {
		ev, err := Attest(ctx, td.att, KeyReportData(k))
		if err != nil {
			t.Fatal(err)
		}
		info.QuotedHistKeys = append(info.QuotedHistKeys, QuotedKey{PublicKey: k, Quote: ev.Quote, Attestation: ev.Attestation})
	}
	return info
}

func TestReportDataIsUpstreams(t *testing.T) {
	// SHA-512(tag ‖ ":" ‖ content) with upstream's tags (QuoteContentType::Custom).
	if got, want := KeyReportData([]byte("k")), sha512.Sum512([]byte("zt-cert:k")); got != want {
		t.Fatalf("key: %x", got)
	}
	if got, want := AccountReportData("https://a/1"), sha512.Sum512([]byte("acme-account:https://a/1")); got != want {
		t.Fatalf("account: %x", got)
	}
}

func TestVerifyEveryEntry(t *testing.T) {
	td := gatewayTD(t)
	k1, k2 := spki(t), spki(t)
	info := record(t, td, "https://acme.example/acct/1", k1, k2)
	r := Verify(context.Background(), info, td.pki.VerifyOptions(), appIs(td.appID))
	if !r.Account.OK() {
		t.Fatalf("account: %v", r.Account.Err)
	}
	if len(r.Keys) != 2 || !r.Keys[0].OK() || !r.Keys[1].OK() {
		t.Fatalf("keys: %+v", r.Keys)
	}
	if k := r.Known(); len(k) != 2 || !bytes.Equal(k[0], k1) || !bytes.Equal(k[1], k2) {
		t.Fatalf("known: %x", k)
	}
}

func TestVerifyRefuses(t *testing.T) {
	td := gatewayTD(t)
	opts := td.pki.VerifyOptions()
	good := spki(t)
	for name, tc := range map[string]struct {
		edit   func(*Info)
		policy Policy
		key    bool // the key entry fails, else the account
		want   error
	}{
		"key not bound":     {edit: func(i *Info) { i.QuotedHistKeys[0].PublicKey = spki(t) }, key: true, want: ErrNotBound},
		"account not bound": {edit: func(i *Info) { i.AccountURI += "x" }, want: ErrNotBound},
		"no evidence":       {edit: func(i *Info) { i.QuotedHistKeys[0].Quote, i.QuotedHistKeys[0].Attestation = "", "" }, key: true, want: ErrNoEvidence},
		"no account":        {edit: func(i *Info) { i.AccountURI = "" }, want: ErrNoAccount},
		"attestation of another key": {edit: func(i *Info) {
			other := record(t, td, "u", spki(t))
			i.QuotedHistKeys[0].Attestation = other.QuotedHistKeys[0].Attestation
		}, key: true, want: ErrNotBound},
		"other app": {policy: appIs(bytes.Repeat([]byte{9}, 20)), key: true},
		"flipped quote": {edit: func(i *Info) {
			var q attest.QuoteResponse
			if err := json.Unmarshal([]byte(i.QuotedHistKeys[0].Quote), &q); err != nil {
				t.Fatal(err)
			}
			q.Quote[700] ^= 1
			b, _ := json.Marshal(q)
			i.QuotedHistKeys[0].Quote = string(b)
		}, key: true},
	} {
		t.Run(name, func(t *testing.T) {
			info := record(t, td, "https://acme.example/acct/1", good)
			if tc.edit != nil {
				tc.edit(info)
			}
			p := tc.policy
			if p == nil {
				p = appIs(td.appID)
			}
			r := Verify(context.Background(), info, opts, p)
			res := r.Account
			if tc.key {
				res = r.Keys[0].Result
				if len(r.Known()) != 0 {
					t.Fatal("a refused key is known")
				}
			}
			if res.OK() {
				t.Fatal("accepted")
			}
			if tc.want != nil && !errors.Is(res.Err, tc.want) {
				t.Fatalf("err %v, want %v", res.Err, tc.want)
			}
		})
	}
	if r := Verify(context.Background(), record(t, td, "u", good), opts, nil); r.Keys[0].OK() || r.Account.OK() {
		t.Fatal("nil policy accepted")
	}
}

// TestJSONShape pins upstream's field order and encodings.
func TestJSONShape(t *testing.T) {
	b, err := Marshal(&Info{AccountURI: "https://a/1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"account_uri":"https://a/1","quoted_hist_keys":[],"account_quote":"","account_attestation":""}`; string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
	b, _ = Marshal(&Info{QuotedHistKeys: []QuotedKey{{PublicKey: []byte{0xab, 1}, Quote: `{"quote":"00"}`}}})
	if want := `{"account_uri":"","quoted_hist_keys":[{"public_key":"ab01","quote":"{\"quote\":\"00\"}","attestation":""}],"account_quote":"","account_attestation":""}`; string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
	td := gatewayTD(t)
	info := record(t, td, "u", spki(t))
	var q map[string]any
	if err := json.Unmarshal([]byte(info.QuotedHistKeys[0].Quote), &q); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"quote", "event_log", "report_data", "vm_config", "attestation"} {
		if _, ok := q[f]; !ok {
			t.Fatalf("the quote lacks GetQuoteResponse's %q: %s", f, info.QuotedHistKeys[0].Quote)
		}
	}
	if !strings.HasPrefix(info.QuotedHistKeys[0].Attestation, `{"attestation":"`) {
		t.Fatalf("attestation is not an Attest answer: %.40s", info.QuotedHistKeys[0].Attestation)
	}
	// A record round-trips.
	raw, _ := Marshal(info)
	back, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	raw2, _ := Marshal(back)
	if !bytes.Equal(raw, raw2) {
		t.Fatal("round trip changed the record")
	}
}

// TestByteFlips changes every byte of a record's key entry in turn: the
// key is then either refused or still bound to its own evidence, never
// another key accepted.
func TestByteFlips(t *testing.T) {
	td := gatewayTD(t)
	k := spki(t)
	info := record(t, td, "u", k)
	info.QuotedHistKeys[0].Attestation = ""
	raw, _ := Marshal(info)
	opts := td.pki.VerifyOptions()
	step := len(raw)/300 + 1
	for i := 0; i < len(raw); i += step {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		got, err := Parse(b)
		if err != nil {
			continue
		}
		r := Verify(context.Background(), got, opts, appIs(td.appID))
		for _, kr := range r.Keys {
			if kr.OK() && !bytes.Equal(kr.PublicKey, k) {
				t.Fatalf("flip at %d: key %x accepted", i, kr.PublicKey)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"account_uri":"u","quoted_hist_keys":[{"public_key":"ab","quote":"{\"quote\":\"00\"}","attestation":""}]}`))
	f.Add([]byte(`{"quoted_hist_keys":[{"public_key":"zz"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		info, err := Parse(raw)
		if err != nil {
			return
		}
		r := Verify(context.Background(), info, attest.Options{}, func(*attest.Verified) error { return nil })
		if len(r.Known()) != 0 {
			t.Fatal("a key verified without trust roots")
		}
	})
}

func FuzzParseEvidenceJSON(f *testing.F) {
	f.Add([]byte(`{"quote":"0400","event_log":"[]","report_data":"00","vm_config":""}`))
	f.Add([]byte(`{"attestation":"00"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, _ = attest.ParseEvidenceJSON(raw)
	})
}
