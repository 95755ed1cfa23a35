// Package acmeinfo is the attested record of a gateway's ACME account and of
// every certificate public key it ever used (upstream's AcmeInfoResponse,
// served at https://gateway.<base_domain>/.dstack/acme-info and by the
// AcmeInfo RPC): its JSON, the report_data that binds each entry, making
// evidence for an entry with an Attester, and verifying a record entry by
// entry.
//
// The JSON is upstream's byte for byte
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/gateway/rpc/proto/gateway_rpc.proto,
// AcmeInfoResponse and QuotedPublicKey; written by
// https://github.com/Dstack-TEE/dstack/blob/master/dstack/gateway/src/distributed_certbot.rs):
// each quote is a GetQuote answer and each attestation an Attest answer,
// both as JSON strings. A key is bound by report_data SHA-512("zt-cert:" ‖
// SubjectPublicKeyInfo DER), the account by SHA-512("acme-account:" ‖ URI).
//
// Verification never reports a key as attested unless its evidence verified,
// its report_data binds that key and the caller's policy accepted the
// attested identity; every entry is judged on its own, so one bad entry does
// not hide the others.
package acmeinfo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/wire"
)

// The report_data content types (upstream's QuoteContentType::Custom).
const (
	// KeyTag binds a certificate's SubjectPublicKeyInfo DER.
	KeyTag = "zt-cert"
	// AccountTag binds the ACME account URI.
	AccountTag = "acme-account"
)

// MaxSize bounds an encoded record a reader accepts: a few hundred keys,
// each with a quote and an attestation.
const MaxSize = 64 << 20

// KeyReportData is the report_data binding a certificate key (its
// SubjectPublicKeyInfo DER).
func KeyReportData(spki []byte) [64]byte { return identity.ReportData(KeyTag, spki) }

// AccountReportData is the report_data binding an ACME account URI.
func AccountReportData(uri string) [64]byte { return identity.ReportData(AccountTag, []byte(uri)) }

// Info is upstream's AcmeInfoResponse, fields in its order.
type Info struct {
	// AccountURI is the ACME account's URL.
	AccountURI string `json:"account_uri"`
	// QuotedHistKeys are the certificate keys, newest first.
	QuotedHistKeys []QuotedKey `json:"quoted_hist_keys"`
	// AccountQuote is the GetQuote answer (JSON) binding AccountURI.
	AccountQuote string `json:"account_quote"`
	// AccountAttestation is the Attest answer (JSON) binding AccountURI.
	AccountAttestation string `json:"account_attestation"`
}

// QuotedKey is upstream's QuotedPublicKey.
type QuotedKey struct {
	// PublicKey is the SubjectPublicKeyInfo DER (hex in JSON).
	PublicKey eventlog.HexBytes `json:"public_key"`
	// Quote is the GetQuote answer (JSON) binding PublicKey.
	Quote string `json:"quote"`
	// Attestation is the Attest answer (JSON) binding PublicKey.
	Attestation string `json:"attestation"`
}

// Marshal encodes info as upstream does: compact, every field present, an
// empty key list as [].
func Marshal(info *Info) ([]byte, error) {
	c := *info
	if c.QuotedHistKeys == nil {
		c.QuotedHistKeys = []QuotedKey{}
	}
	for i := range c.QuotedHistKeys {
		if c.QuotedHistKeys[i].PublicKey == nil {
			c.QuotedHistKeys[i].PublicKey = eventlog.HexBytes{}
		}
	}
	return compact(&c)
}

// compact is JSON as serde_json writes it: compact, and without Go's
// escaping of <, > and &.
func compact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Parse decodes a record.
func Parse(raw []byte) (*Info, error) {
	if len(raw) > MaxSize {
		return nil, fmt.Errorf("reading acme-info: %d bytes, more than %d", len(raw), MaxSize)
	}
	var info Info
	if err := json.Unmarshal(raw, &info); err != nil {
		return nil, fmt.Errorf("reading acme-info: %w", err)
	}
	return &info, nil
}

// Evidence is a GetQuote answer and an Attest answer, as JSON strings, over
// one report_data.
type Evidence struct {
	Quote       string
	Attestation string
}

// Attest makes the evidence binding reportData: one attestation, written
// as the guest agent's GetQuote answer and as its Attest answer.
func Attest(ctx context.Context, a attest.Attester, reportData [64]byte) (Evidence, error) {
	att, err := a.Attest(ctx, reportData)
	if err != nil {
		return Evidence{}, fmt.Errorf("attesting: %w", err)
	}
	q, err := attest.NewQuoteResponse(att)
	if err != nil {
		return Evidence{}, err
	}
	quote, err := compact(q)
	if err != nil {
		return Evidence{}, err
	}
	enc, err := wire.Encode(att)
	if err != nil {
		return Evidence{}, fmt.Errorf("attesting: encoding the attestation: %w", err)
	}
	at, err := compact(struct {
		Attestation eventlog.HexBytes `json:"attestation"`
	}{enc})
	if err != nil {
		return Evidence{}, err
	}
	return Evidence{Quote: string(quote), Attestation: string(at)}, nil
}

// Policy judges the identity attested by a verified entry (the gateway's
// app id, its compose hash on chain, its TCB status, its OS image): nil
// accepts it.
type Policy func(*attest.Verified) error

// Result is the verdict on one entry.
type Result struct {
	// Verified is the evidence's verified content (of the quote when there
	// is one, else of the attestation); nil when neither verified.
	Verified *attest.Verified
	// Err is why the entry is not attested; nil when it is.
	Err error
}

// OK reports whether the entry is attested.
func (r Result) OK() bool { return r.Err == nil }

// KeyResult is the verdict on one certificate key.
type KeyResult struct {
	PublicKey []byte
	Result
}

// Report is the verdict on a record.
type Report struct {
	// Account is the account URI's verdict.
	Account Result
	// Keys are the keys' verdicts, in the record's order.
	Keys []KeyResult
}

// Known returns the keys (SubjectPublicKeyInfo DER) whose entries are
// attested.
func (r *Report) Known() [][]byte {
	var out [][]byte
	for _, k := range r.Keys {
		if k.OK() {
			out = append(out, k.PublicKey)
		}
	}
	return out
}

// Errors used in Results.
var (
	ErrNoEvidence = errors.New("no evidence: neither a quote nor an attestation")
	ErrNotBound   = errors.New("the evidence's report_data does not bind this entry")
	ErrNoAccount  = errors.New("no account_uri")
)

// Verify judges every entry of info: its evidence must verify with opts,
// bind the entry (the account URI, each key) and pass policy. A nil policy
// is refused: who attested an entry is what makes it mean anything.
func Verify(ctx context.Context, info *Info, opts attest.Options, policy Policy) *Report {
	r := &Report{}
	if info.AccountURI == "" {
		r.Account = Result{Err: ErrNoAccount}
	} else {
		r.Account = check(ctx, Evidence{info.AccountQuote, info.AccountAttestation}, AccountReportData(info.AccountURI), opts, policy)
	}
	for _, k := range info.QuotedHistKeys {
		res := KeyResult{PublicKey: bytes.Clone(k.PublicKey)}
		if len(k.PublicKey) == 0 {
			res.Err = errors.New("empty public_key")
		} else {
			res.Result = check(ctx, Evidence{k.Quote, k.Attestation}, KeyReportData(k.PublicKey), opts, policy)
		}
		r.Keys = append(r.Keys, res)
	}
	return r
}

// check verifies each piece of evidence present; both must verify and
// bind want when both are present.
func check(ctx context.Context, ev Evidence, want [64]byte, opts attest.Options, policy Policy) Result {
	if policy == nil {
		return Result{Err: errors.New("no policy to judge the attested identity by")}
	}
	var first *attest.Verified
	pieces := 0
	for _, p := range []struct{ name, json string }{{"quote", ev.Quote}, {"attestation", ev.Attestation}} {
		if p.json == "" {
			continue
		}
		pieces++
		v, err := verifyOne(ctx, p.json, want, opts, policy)
		if err != nil {
			return Result{Verified: first, Err: fmt.Errorf("%s: %w", p.name, err)}
		}
		if first == nil {
			first = v
		}
	}
	if pieces == 0 {
		return Result{Err: ErrNoEvidence}
	}
	return Result{Verified: first}
}

func verifyOne(ctx context.Context, js string, want [64]byte, opts attest.Options, policy Policy) (*attest.Verified, error) {
	a, err := attest.ParseEvidenceJSON([]byte(js))
	if err != nil {
		return nil, err
	}
	v, err := attest.Verify(ctx, a, opts)
	if err != nil {
		return nil, err
	}
	if v.ReportData != want {
		return v, fmt.Errorf("%w: report_data %x, want %x", ErrNotBound, v.ReportData[:8], want[:8])
	}
	if err := policy(v); err != nil {
		return v, fmt.Errorf("the attested identity is refused: %w", err)
	}
	return v, nil
}

// GatewayPolicy accepts evidence of the gateway app appID (20 bytes), on a
// platform whose TCB status is one of tcbStatus, with a bound OS image
// unless insecureAllowUnboundOSImage.
func GatewayPolicy(appID []byte, tcbStatus []string, insecureAllowUnboundOSImage bool) Policy {
	return func(v *attest.Verified) error {
		if len(appID) == 0 || !bytes.Equal(v.AppID, appID) {
			return fmt.Errorf("attested app id %x is not the gateway's %x", v.AppID, appID)
		}
		if !slices.Contains(tcbStatus, v.TCBStatus) {
			return fmt.Errorf("TCB status %q is not accepted (accepted: %v)", v.TCBStatus, tcbStatus)
		}
		return attest.RequireBoundOSImage(v, insecureAllowUnboundOSImage)
	}
}

// Fetch reads a record from a URL (http or https), at most MaxSize bytes.
func Fetch(ctx context.Context, c *http.Client, url string) (*Info, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching acme-info: %w", err)
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching acme-info: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("fetching acme-info from %s: %w", url, err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching acme-info from %s: %s: %.200s", url, res.Status, raw)
	}
	return Parse(raw)
}
