package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/wire"
)

// maxEvidenceFile caps what verify reads: the wire format's own cap plus
// room for hex and JSON framing.
const maxEvidenceFile = 3 * wire.MaxSize

func init() {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify FILE | --cert CERT",
		Short: "Verify attestation evidence and print its claims as JSON",
		Long: `Verify attestation evidence and print one JSON object with the verdict and the claims.

FILE (or - for standard input) may be:
  - a guest-agent GetQuote response: {"quote", "event_log", "report_data", "vm_config"}
  - a verifier request: {"attestation": "<hex VersionedAttestation>"}
  - a raw TDX quote (binary or hex)
  - raw VersionedAttestation bytes, V0 (SCALE) or V1 (msgpack), binary or hex

--cert CERT verifies an RA-TLS certificate instead (PEM, leaf first, or DER): the evidence it carries must
verify and bind the certificate's key, and the certificate must be valid at the verification time. Its
chain is not judged: only the attestation speaks for the key's holder.

Exit status: 0 valid, 1 invalid evidence, 2 unusable input or flags.

os_image_hash_verified is true only for TDX evidence whose MRTD and RTMR0–2, recomputed for its VM shape
and the ACPI digests of its event log, equal the quote's: from its own measurement document (lite
evidence), or with --image DIR from that OS image directory, whose os_image_hash must be the one the
evidence claims (any TDX evidence with a vm_config, legacy included). Registers that differ make the
evidence invalid and os_image_mismatch names the first differing register and event (dstack mr check
explains them all). Otherwise os_image_hash is a claim, and os_image_reason says why.

Without --pccs or --collateral no TDX collateral is used and tcb_status is "Unknown".
SEV-SNP evidence needs the VCEK of its chip: from the evidence, or --amd-certs.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == (f.cert != "") {
				return usageErr(errors.New("verify takes one evidence FILE, or --cert CERT"))
			}
			path := f.cert
			if len(args) == 1 {
				path = args[0]
			}
			return runVerify(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), path, f)
		},
	}
	cmd.Flags().StringVar(&f.cert, "cert", "", "verify this RA-TLS certificate (PEM chain, leaf first, or DER) instead of an evidence file")
	cmd.Flags().StringVar(&f.pccs, "pccs", "", "fetch TDX collateral from this PCS/PCCS base URL")
	cmd.Flags().StringVar(&f.collateralDir, "collateral", "", "read TDX collateral from this directory")
	cmd.Flags().StringVar(&f.at, "at", "", "verification time, RFC 3339 (default: now)")
	cmd.Flags().StringVar(&f.amdCerts, "amd-certs", "", "PEM file with the AMD VCEK (and ASK) for SEV-SNP evidence that carries none")
	cmd.Flags().StringVar(&f.image, "image", "", "check TDX evidence against this OS image directory (metadata.json, firmware, kernel, initrd, sha256sum.txt)")
	cmd.Flags().StringVar(&f.insecureRoots, "insecure-trust-roots", "", "PEM file of roots that REPLACE the vendors' (mock PKI evidence only)")
	rootCmd.AddCommand(cmd)
}

type verifyFlags struct {
	pccs, collateralDir, at, insecureRoots, amdCerts, image, cert string
}

// verdict is the JSON printed by verify.
type verdict struct {
	Valid       bool     `json:"valid"`
	Platform    string   `json:"platform,omitempty"`
	TCBStatus   string   `json:"tcb_status,omitempty"`
	AdvisoryIDs []string `json:"advisory_ids,omitempty"`
	ReportData  string   `json:"report_data,omitempty"`

	MRTD  string `json:"mrtd,omitempty"`
	RTMR0 string `json:"rtmr0,omitempty"`
	RTMR1 string `json:"rtmr1,omitempty"`
	RTMR2 string `json:"rtmr2,omitempty"`
	RTMR3 string `json:"rtmr3,omitempty"`

	Measurement string `json:"measurement,omitempty"`
	HostData    string `json:"host_data,omitempty"`

	AppID       string `json:"app_id,omitempty"`
	ComposeHash string `json:"compose_hash,omitempty"`
	InstanceID  string `json:"instance_id,omitempty"`
	OSImageHash string `json:"os_image_hash,omitempty"`
	// OSImageHashVerified is true only when MRTD and RTMR0–2 recomputed from the image's measurement
	// document equal the quote's; OSImageReason says why not, and OSImageMismatch where they differ.
	OSImageHashVerified bool              `json:"os_image_hash_verified"`
	OSImageReason       string            `json:"os_image_reason,omitempty"`
	OSImageMismatch     *registerMismatch `json:"os_image_mismatch,omitempty"`
	// OSImageIsDev and OSImageVersion are metadata.json's is_dev and version, given only when the hash was
	// bound through --image, whose metadata.json it covers (upstream dstack-verifier's fields of that name).
	OSImageIsDev   *bool           `json:"os_image_is_dev,omitempty"`
	OSImageVersion string          `json:"os_image_version,omitempty"`
	KeyProvider    json.RawMessage `json:"key_provider,omitempty"`
	DeviceID       string          `json:"device_id,omitempty"`
	MrSystem       string          `json:"mr_system,omitempty"`
	MrAggregated   string          `json:"mr_aggregated,omitempty"`

	Errors []string `json:"errors"`
}

func runVerify(ctx context.Context, stdout, stderr io.Writer, path string, f verifyFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	opts, err := f.options(stderr)
	if err != nil {
		return usageErr(err)
	}
	if f.cert != "" {
		return runVerifyCert(ctx, stdout, path, opts)
	}
	ev, err := loadEvidence(path)
	if err != nil {
		return err
	}
	out := verdict{Errors: []string{}}
	if opts.OSImage != nil && (ev.quoteOnly || ev.att.Variant != wire.VariantTDX) {
		return usageErr(errors.New("--image checks TDX evidence with a vm_config and an event log (a GetQuote response or a verifier request), not a bare quote or SEV-SNP evidence"))
	}
	if ev.quoteOnly {
		out.Platform = wire.VariantTDX.String()
		topts := tdx.Options{Now: opts.Now, Collateral: opts.Collateral}
		if opts.InsecureTrustRoots != nil {
			topts.TrustedRoots = opts.InsecureTrustRoots.TDX
		}
		q, err := tdx.Verify(ctx, ev.att.TDX.Quote, topts)
		if err != nil {
			out.Errors = append(out.Errors, err.Error())
		} else {
			out.Valid = true
			out.TCBStatus, out.AdvisoryIDs = q.TCBStatus, q.AdvisoryIDs
			out.ReportData = hex.EncodeToString(q.ReportData[:])
			fillTDX(&out, q)
		}
	} else {
		out.Platform = ev.att.Variant.String()
		v, err := attest.Verify(ctx, ev.att, opts)
		out.fill(v, err, opts)
	}
	return out.print(stdout)
}

// fill records the outcome of verifying evidence with opts.
func (out *verdict) fill(v *attest.Verified, err error, opts attest.Options) {
	if err != nil {
		out.Errors = append(out.Errors, err.Error())
		var me *measure.MismatchError
		if errors.As(err, &me) {
			out.OSImageMismatch = mismatchJSON(me)
			out.OSImageHash = hex.EncodeToString(me.OSImageHash)
		}
		return
	}
	fillVerified(out, v)
	if im := opts.OSImage; im != nil && v.OSImageVerified {
		isDev := im.Metadata.IsDev
		out.OSImageIsDev, out.OSImageVersion = &isDev, im.Metadata.Version
	}
}

// print writes the verdict as indented JSON; an invalid one is exit status 1.
func (out *verdict) print(stdout io.Writer) error {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	if !out.Valid {
		return &exitError{code: 1, err: errors.New("")}
	}
	return nil
}

// runVerifyCert verifies the RA-TLS certificate in path (PEM, leaf first, or DER) with opts.
func runVerifyCert(ctx context.Context, stdout io.Writer, path string, opts attest.Options) error {
	raw, err := readEvidence(path)
	if err != nil {
		return usageErr(err)
	}
	// DER unless the file is PEM from its first byte: a certificate's quote embeds the PEM of its PCK chain.
	ders := [][]byte{raw}
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("-----BEGIN")) {
		ders = nil
		for rest := raw; ; {
			var block *pem.Block
			if block, rest = pem.Decode(rest); block == nil {
				break
			}
			if block.Type == "CERTIFICATE" {
				ders = append(ders, block.Bytes)
			}
		}
		if len(ders) == 0 {
			return usageErr(fmt.Errorf("%s holds no PEM CERTIFICATE", path))
		}
	}
	leaf, err := x509.ParseCertificate(ders[0])
	if err != nil {
		return usageErr(fmt.Errorf("reading the certificate in %s (PEM or DER): %w", path, err))
	}
	out := verdict{Errors: []string{}}
	if ext, err := ratls.ReadExtensions(leaf); err == nil && ext.Attestation != nil {
		out.Platform = ext.Attestation.Variant.String()
		if opts.OSImage != nil && ext.Attestation.Variant != wire.VariantTDX {
			return usageErr(errors.New("--image checks TDX evidence, and the certificate carries SEV-SNP evidence"))
		}
	}
	v := &ratls.Verifier{Attestation: opts}
	if at := opts.Now; !at.IsZero() {
		v.Now = func() time.Time { return at }
	}
	claims, err := v.VerifyChain(ctx, ders)
	if err != nil {
		out.fill(nil, err, opts)
	} else {
		out.fill(claims.Evidence, nil, opts)
	}
	return out.print(stdout)
}

// registerMismatch is the first register where a TD differs from the image it claims, and the first
// event of that register's log that differs from the image's.
type registerMismatch struct {
	Register   string     `json:"register"`
	Expected   string     `json:"expected"`
	Actual     string     `json:"actual"`
	LogReplays bool       `json:"log_replays"`
	Event      *eventDiff `json:"event,omitempty"`
}

// eventDiff is one event of a register's log set against the image's, in the field names of upstream
// dstack-verifier's rtmr_debug events.
type eventDiff struct {
	Index          int    `json:"index"`
	Position       int    `json:"position"`
	EventType      uint32 `json:"event_type"`
	EventName      string `json:"event_name"`
	ExpectedDigest string `json:"expected_digest,omitempty"`
	ActualDigest   string `json:"actual_digest,omitempty"`
	Status         string `json:"status"`
}

func mismatchJSON(me *measure.MismatchError) *registerMismatch {
	m := &registerMismatch{Register: me.Register, Expected: hex.EncodeToString(me.Expected[:]), Actual: hex.EncodeToString(me.Actual[:]), LogReplays: me.LogReplays}
	if me.Event != nil {
		d := eventDiffJSON(*me.Event)
		m.Event = &d
	}
	return m
}

func eventDiffJSON(d measure.EventDiff) eventDiff {
	return eventDiff{Index: d.Index, Position: d.Position, EventType: d.EventType, EventName: d.Name,
		ExpectedDigest: hex.EncodeToString(d.Expected), ActualDigest: hex.EncodeToString(d.Actual), Status: d.Status()}
}

func fillTDX(out *verdict, q *tdx.Report) {
	out.MRTD = hex.EncodeToString(q.MRTD[:])
	out.RTMR0 = hex.EncodeToString(q.RTMR[0][:])
	out.RTMR1 = hex.EncodeToString(q.RTMR[1][:])
	out.RTMR2 = hex.EncodeToString(q.RTMR[2][:])
	out.RTMR3 = hex.EncodeToString(q.RTMR[3][:])
}

func fillVerified(out *verdict, v *attest.Verified) {
	out.Valid = true
	out.TCBStatus, out.AdvisoryIDs = v.TCBStatus, v.AdvisoryIDs
	out.ReportData = hex.EncodeToString(v.ReportData[:])
	if v.TDX != nil {
		fillTDX(out, v.TDX)
	}
	if v.SNP != nil {
		out.Measurement = hex.EncodeToString(v.SNP.Measurement[:])
		out.HostData = hex.EncodeToString(v.SNP.HostData[:])
	}
	out.AppID = hex.EncodeToString(v.AppID)
	out.ComposeHash = hex.EncodeToString(v.ComposeHash)
	out.InstanceID = hex.EncodeToString(v.InstanceID)
	out.OSImageHash = hex.EncodeToString(v.OSImageHash)
	out.OSImageHashVerified, out.OSImageReason = v.OSImageVerified, v.OSImageReason
	if len(v.KeyProviderInfo) > 0 {
		if json.Valid(v.KeyProviderInfo) {
			out.KeyProvider = json.RawMessage(v.KeyProviderInfo)
		} else {
			out.KeyProvider, _ = json.Marshal(hex.EncodeToString(v.KeyProviderInfo))
		}
	}
	info := v.AppInfo(false)
	out.DeviceID = hex.EncodeToString(info.DeviceID)
	out.MrSystem = hex.EncodeToString(info.MrSystem[:])
	out.MrAggregated = hex.EncodeToString(info.MrAggregated[:])
}

func (f verifyFlags) options(stderr io.Writer) (attest.Options, error) {
	var opts attest.Options
	if f.at != "" {
		t, err := time.Parse(time.RFC3339, f.at)
		if err != nil {
			return opts, fmt.Errorf("--at: want an RFC 3339 time such as 2025-01-02T15:04:05Z: %w", err)
		}
		opts.Now = t
	}
	clock := time.Now
	if at := opts.Now; !at.IsZero() {
		clock = func() time.Time { return at }
	}
	switch {
	case f.pccs != "" && f.collateralDir != "":
		return opts, errors.New("--pccs and --collateral are exclusive: give one collateral source")
	case f.pccs != "":
		opts.Collateral = collateral.NewCache(collateral.HTTPSource(f.pccs, &http.Client{Timeout: 30 * time.Second}), collateral.CacheOptions{Now: clock})
	case f.collateralDir != "":
		if st, err := os.Stat(f.collateralDir); err != nil || !st.IsDir() {
			return opts, fmt.Errorf("--collateral %s: not a readable directory", f.collateralDir)
		}
		opts.Collateral = collateral.NewCache(collateral.DirSource(f.collateralDir), collateral.CacheOptions{Now: clock})
	}
	if f.amdCerts != "" {
		data, err := os.ReadFile(f.amdCerts)
		if err != nil {
			return opts, fmt.Errorf("--amd-certs: %w", err)
		}
		for rest := data; ; {
			var block *pem.Block
			if block, rest = pem.Decode(rest); block == nil {
				break
			}
			opts.SNPCerts = append(opts.SNPCerts, block.Bytes)
		}
		if len(opts.SNPCerts) == 0 {
			return opts, fmt.Errorf("--amd-certs %s: no PEM certificates", f.amdCerts)
		}
	}
	if f.image != "" {
		im, err := measure.ReadImage(f.image)
		if err != nil {
			return opts, fmt.Errorf("--image: %w", err)
		}
		opts.OSImage = im
	}
	if f.insecureRoots != "" {
		pemBytes, err := os.ReadFile(f.insecureRoots)
		if err != nil {
			return opts, fmt.Errorf("--insecure-trust-roots: %w", err)
		}
		roots, err := attest.ParseTrustRootsPEM(pemBytes)
		if err != nil {
			return opts, fmt.Errorf("--insecure-trust-roots %s: %w", f.insecureRoots, err)
		}
		opts.InsecureTrustRoots = roots
		fmt.Fprintf(stderr, "WARNING: the vendors' roots of trust are replaced by %s; evidence that verifies proves nothing about real TEE hardware\n", f.insecureRoots)
	}
	return opts, nil
}

// loadEvidence reads and parses the evidence in path (- for standard input); its errors are usage errors.
func loadEvidence(path string) (*evidence, error) {
	raw, err := readEvidence(path)
	if err != nil {
		return nil, usageErr(err)
	}
	ev, err := parseEvidence(raw)
	if err != nil {
		return nil, usageErr(fmt.Errorf("reading evidence from %s: %w", path, err))
	}
	return ev, nil
}

func readEvidence(path string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxEvidenceFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(raw) > maxEvidenceFile {
		return nil, fmt.Errorf("reading %s: larger than %d bytes", path, maxEvidenceFile)
	}
	return raw, nil
}

// evidence is a parsed input file.
type evidence struct {
	att       *wire.Attestation
	quoteOnly bool // a raw quote: no event log, no claims beyond the quote
}

// parseEvidence recognises the accepted input forms.
func parseEvidence(raw []byte) (*evidence, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return parseEvidenceJSON(trimmed)
	}
	if b, err := hex.DecodeString(strings.TrimPrefix(string(trimmed), "0x")); err == nil && len(b) > 0 {
		raw = b
	}
	if len(raw) >= 2 && (raw[0] == 4 || raw[0] == 5) && raw[1] == 0 {
		if _, err := tdx.Parse(raw); err != nil {
			return nil, fmt.Errorf("reading TDX quote: %w", err)
		}
		return &evidence{quoteOnly: true, att: &wire.Attestation{Variant: wire.VariantTDX, TDX: &wire.TDXEvidence{Quote: raw}}}, nil
	}
	a, _, err := wire.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("not a TDX quote, and not a VersionedAttestation: %w", err)
	}
	return &evidence{att: a}, nil
}

// getQuoteJSON is the union of the JSON inputs.
type getQuoteJSON struct {
	Attestation *string         `json:"attestation"`
	Quote       *string         `json:"quote"`
	EventLog    json.RawMessage `json:"event_log"`
	ReportData  string          `json:"report_data"`
	VMConfig    string          `json:"vm_config"`
}

func parseEvidenceJSON(raw []byte) (*evidence, error) {
	var in getQuoteJSON
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("parsing JSON: %w", err)
	}
	switch {
	case in.Attestation != nil && *in.Attestation != "":
		// A verifier request: the attestation carries everything; any other
		// field is ignored so that unsigned config cannot be mixed in.
		b, err := hex.DecodeString(strings.TrimPrefix(*in.Attestation, "0x"))
		if err != nil {
			return nil, fmt.Errorf("attestation: %w", err)
		}
		a, _, err := wire.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("attestation: %w", err)
		}
		return &evidence{att: a}, nil
	case in.Quote != nil:
		quote, err := hex.DecodeString(strings.TrimPrefix(*in.Quote, "0x"))
		if err != nil {
			return nil, fmt.Errorf("quote: %w", err)
		}
		// event_log is a JSON string holding the array in GetQuote
		// responses (whose attestation field is empty on TDX); accept the
		// bare array too.
		logJSON := []byte(in.EventLog)
		var s string
		if err := json.Unmarshal(in.EventLog, &s); err == nil {
			logJSON = []byte(s)
		}
		var events []eventlog.Event
		if len(bytes.TrimSpace(logJSON)) > 0 && string(bytes.TrimSpace(logJSON)) != "null" {
			if events, err = eventlog.ParseJSON(logJSON); err != nil {
				return nil, fmt.Errorf("event_log: %w", err)
			}
		}
		// The runtime events are read from the log by the verification
		// itself, so that a log whose digests do not match its events is
		// invalid evidence (exit 1), not unusable input.
		q, err := tdx.Parse(quote)
		if err != nil {
			return nil, fmt.Errorf("quote: %w", err)
		}
		rd := q.ReportData
		if in.ReportData != "" {
			b, err := hex.DecodeString(strings.TrimPrefix(in.ReportData, "0x"))
			if err != nil || len(b) > 64 {
				return nil, fmt.Errorf("report_data: want at most 64 hex-encoded bytes")
			}
			rd = [64]byte{}
			copy(rd[:], b)
		}
		return &evidence{att: &wire.Attestation{
			Variant:    wire.VariantTDX,
			TDX:        &wire.TDXEvidence{Quote: quote, EventLog: events},
			ReportData: rd,
			Config:     in.VMConfig,
		}}, nil
	default:
		return nil, errors.New(`JSON evidence needs an "attestation" or a "quote" field`)
	}
}
