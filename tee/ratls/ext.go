package ratls

import (
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"

	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/wire"
)

// Certificate extension OIDs under Phala's private enterprise number 62397.
// All of them are non-critical; each extension value is a DER OCTET STRING
// that holds a second DER OCTET STRING with the content.
var (
	OIDTDXQuote     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 62397, 1, 1} // legacy: raw TDX quote
	OIDEventLog     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 62397, 1, 2} // legacy: TdxEvent JSON (optionally ELGZv1 + gzip)
	OIDAppID        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 62397, 1, 3} // raw app_id
	OIDSpecialUsage = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 62397, 1, 4} // UTF-8 usage string
	OIDAttestation  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 62397, 1, 8} // stripped VersionedAttestation
	OIDAppInfo      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 62397, 1, 9} // msgpack AppInfo array
)

// Special-usage values carried in OIDSpecialUsage.
const (
	UsageKMSRPC    = "kms:rpc"
	UsageAppCA     = "app:ca"
	UsageAppCustom = "app:custom"
)

// Limits on what a certificate may make the reader allocate.
const (
	// maxGzipEventLog is upstream's cap on a decompressed ELGZv1 event log.
	maxGzipEventLog = 16 << 10
	gzipEventLogTag = "ELGZv1"
)

// Errors returned while reading certificate extensions.
var (
	ErrNoAttestation = errors.New("certificate carries no attestation extension")
	ErrExtension     = errors.New("malformed RA-TLS extension")
)

// Extensions is what the RA-TLS extensions of one certificate say, decoded
// but NOT verified: AppID, SpecialUsage and AppInfo are issuer claims that are
// trustworthy only through the certificate chain; the attestation must be
// verified against the certificate's public key before any of its content is
// believed.
type Extensions struct {
	// Attestation is the decoded evidence: from OID 1.8 when present, else
	// built from the legacy OIDs 1.1 (quote) and 1.2 (event log). Nil when the
	// certificate has neither.
	Attestation *wire.Attestation
	// Legacy reports that Attestation was assembled from OIDs 1.1 and 1.2.
	Legacy bool
	// AppID is the raw content of OID 1.3, nil when absent.
	AppID []byte
	// SpecialUsage is the content of OID 1.4, empty when absent.
	SpecialUsage string
	// AppInfo is the decoded content of OID 1.9, nil when absent.
	AppInfo *wire.AppInfo
}

// ReadExtensions decodes the RA-TLS extensions of cert. A malformed extension
// is an error; a certificate without an attestation is not (Attestation is
// nil), since CA certificates carry none.
func ReadExtensions(cert *x509.Certificate) (*Extensions, error) {
	var out Extensions
	var quote, events []byte
	for _, e := range cert.Extensions {
		var dst *[]byte
		switch {
		case e.Id.Equal(OIDAttestation):
			raw, err := innerOctets(e)
			if err != nil {
				return nil, err
			}
			a, _, err := wire.Decode(raw)
			if err != nil {
				return nil, fmt.Errorf("reading RA-TLS attestation extension: %w", err)
			}
			out.Attestation = a
			continue
		case e.Id.Equal(OIDTDXQuote):
			dst = &quote
		case e.Id.Equal(OIDEventLog):
			dst = &events
		case e.Id.Equal(OIDAppID):
			dst = &out.AppID
		case e.Id.Equal(OIDSpecialUsage):
			raw, err := innerOctets(e)
			if err != nil {
				return nil, err
			}
			out.SpecialUsage = string(raw)
			continue
		case e.Id.Equal(OIDAppInfo):
			raw, err := innerOctets(e)
			if err != nil {
				return nil, err
			}
			info, err := wire.DecodeAppInfo(raw)
			if err != nil {
				return nil, fmt.Errorf("reading RA-TLS app info extension: %w", err)
			}
			out.AppInfo = info
			continue
		default:
			continue
		}
		raw, err := innerOctets(e)
		if err != nil {
			return nil, err
		}
		*dst = raw
	}
	if out.Attestation == nil && quote != nil {
		a, err := LegacyAttestation(quote, events)
		if err != nil {
			return nil, err
		}
		out.Attestation, out.Legacy = a, true
	}
	return &out, nil
}

// innerOctets unwraps the DER OCTET STRING inside an extension value.
func innerOctets(e pkix.Extension) ([]byte, error) {
	var inner []byte
	rest, err := asn1.Unmarshal(e.Value, &inner)
	if err != nil {
		return nil, fmt.Errorf("%w: %v: %v", ErrExtension, e.Id, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %v: %d trailing bytes", ErrExtension, e.Id, len(rest))
	}
	return inner, nil
}

// extension wraps content the way upstream does: an OCTET STRING inside the
// extension's OCTET STRING.
func extension(id asn1.ObjectIdentifier, content []byte) (pkix.Extension, error) {
	v, err := asn1.Marshal(content)
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("encoding extension %v: %w", id, err)
	}
	return pkix.Extension{Id: id, Value: v}, nil
}

// LegacyAttestation assembles a TDX attestation from a quote and a JSON
// event log (optionally "ELGZv1" ‖ gzip), as legacy certificates (OIDs 1.1
// and 1.2) and V1 CSRs carry them: runtime events are the event-log entries
// of the runtime type, report_data comes from the quote, and the config is
// empty (so os_image_hash is too).
func LegacyAttestation(quote, rawEvents []byte) (*wire.Attestation, error) {
	if bytes.HasPrefix(rawEvents, []byte(gzipEventLogTag)) {
		zr, err := gzip.NewReader(bytes.NewReader(rawEvents[len(gzipEventLogTag):]))
		if err != nil {
			return nil, fmt.Errorf("%w: event log: %v", ErrExtension, err)
		}
		plain, err := io.ReadAll(io.LimitReader(zr, maxGzipEventLog+1))
		if err != nil {
			return nil, fmt.Errorf("%w: event log: %v", ErrExtension, err)
		}
		if len(plain) > maxGzipEventLog {
			return nil, fmt.Errorf("%w: event log decompresses to more than %d bytes", ErrExtension, maxGzipEventLog)
		}
		rawEvents = plain
	}
	var events []eventlog.Event
	if len(rawEvents) > 0 {
		var err error
		if events, err = eventlog.ParseJSON(rawEvents); err != nil {
			return nil, fmt.Errorf("%w: event log: %v", ErrExtension, err)
		}
	}
	runtime, err := eventlog.RuntimeEvents(events)
	if err != nil {
		return nil, fmt.Errorf("%w: event log: %v", ErrExtension, err)
	}
	q, err := tdx.Parse(quote)
	if err != nil {
		return nil, fmt.Errorf("%w: quote: %v", ErrExtension, err)
	}
	return &wire.Attestation{
		Variant:       wire.VariantTDX,
		TDX:           &wire.TDXEvidence{Quote: quote, EventLog: events},
		RuntimeEvents: runtime,
		ReportData:    q.ReportData,
	}, nil
}
