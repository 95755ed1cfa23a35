package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/collateral"
	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/ratls"
	"github.com/dstack-go/dstack/tee/verification"
	"github.com/dstack-go/dstack/tee/wire"
)

// maxEvidenceFile caps what verify reads.
const maxEvidenceFile = verification.MaxEvidenceSize

func init() {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify FILE | --acme-info URL|FILE --gateway-app-id ID",
		Short: "Verify attestation evidence and print its claims as JSON",
		Long: `Verify attestation evidence and print one JSON object with the verdict and the claims.

FILE (or - for standard input) may be:
  - a guest-agent GetQuote response: {"quote", "event_log", "report_data", "vm_config"}
  - a verifier request: {"attestation": "<hex VersionedAttestation>"}
  - a raw TDX quote (binary or hex)
  - raw VersionedAttestation bytes, V0 (SCALE) or V1 (msgpack), binary or hex
  - with --cert, an RA-TLS certificate (PEM or DER): it must be self-signed, valid now,
    usable for TLS, and carry an attestation that verifies and binds its public key

Exit status: 0 valid, 1 invalid evidence, 2 unusable input or flags.

os_image_hash_verified is true only for TDX evidence whose MRTD and RTMR0–2, recomputed for its VM shape
and the ACPI digests of its event log, equal the quote's: from its own measurement document (lite
evidence), or with --image DIR from that OS image directory, whose os_image_hash must be the one the
evidence claims (any TDX evidence with a vm_config, legacy included). Registers that differ make the
evidence invalid and os_image_mismatch names the first differing register and event (dstack mr check
explains them all). Otherwise os_image_hash is a claim, and os_image_reason says why.

Without --pccs or --collateral no TDX collateral is used and tcb_status is "Unknown".

--acme-info URL|FILE checks a gateway's attested ACME record (https://gateway.<base_domain>/.dstack/acme-info,
or a saved copy): the evidence of the account URI and of every certificate key must verify, its report_data
must bind that URI or key (SHA-512 of "acme-account:" or "zt-cert:" and the content), and the attested
identity must be the gateway app --gateway-app-id (or, for the acme-info an app serving its own domain
publishes, the app --app-id) on a platform whose TCB status --tcb-status accepts, with
a bound OS image. It prints a verdict per key; exit status 0 only when every entry holds.
SEV-SNP evidence needs the VCEK of its chip: from the evidence, or --amd-certs.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.acme.source != "" {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.acme.source != "" {
				return runVerifyAcme(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
			}
			return runVerify(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], f)
		},
	}
	cmd.Flags().StringVar(&f.pccs, "pccs", "", "fetch TDX collateral from this PCS/PCCS base URL")
	cmd.Flags().StringVar(&f.collateralDir, "collateral", "", "read TDX collateral from this directory")
	cmd.Flags().StringVar(&f.at, "at", "", "verification time, RFC 3339 (default: now)")
	cmd.Flags().StringVar(&f.amdCerts, "amd-certs", "", "PEM file with the AMD VCEK (and ASK) for SEV-SNP evidence that carries none")
	cmd.Flags().BoolVar(&f.cert, "cert", false, "FILE is an RA-TLS certificate (PEM or DER): verify its attestation and its key binding")
	cmd.Flags().StringVar(&f.image, "image", "", "check TDX evidence against this OS image directory (metadata.json, firmware, kernel, initrd, sha256sum.txt)")
	cmd.Flags().StringVar(&f.insecureRoots, "insecure-trust-roots", "", "PEM file of roots that REPLACE the vendors' (mock PKI evidence only)")
	cmd.Flags().StringVar(&f.acme.source, "acme-info", "", "check a gateway's acme-info record (URL or FILE) instead of one piece of evidence")
	cmd.Flags().StringVar(&f.acme.gatewayAppID, "gateway-app-id", "", "with --acme-info: the gateway's app id (hex), whose TD must have attested every entry")
	f.acme.addChainFlags(cmd.Flags())
	cmd.Flags().StringVar(&f.acme.appID, "app-id", "", "with --acme-info of an app serving its own domain: the app's id (hex), whose TD must have attested every entry (instead of --gateway-app-id)")
	cmd.Flags().StringSliceVar(&f.acme.tcbStatus, "tcb-status", []string{"UpToDate"}, "with --acme-info: the TCB statuses accepted")
	cmd.Flags().StringVar(&f.acme.cacert, "cacert", "", "with --acme-info URL: PEM roots to check the gateway's HTTPS certificate with instead of the system's")
	cmd.Flags().StringVar(&f.acme.resolve, "resolve", "", "with --acme-info URL: HOST:PORT:ADDR connects to ADDR for HOST:PORT, as curl's --resolve (a development gateway under *.localhost)")
	cmd.Flags().BoolVar(&f.acme.allowUnbound, "insecure-allow-unbound-os-image", false, "with --acme-info: accept evidence whose os_image_hash is not bound to its registers")
	rootCmd.AddCommand(cmd)
}

type verifyFlags struct {
	pccs, collateralDir, at, insecureRoots, amdCerts, image string
	cert                                                    bool
	acme                                                    acmeFlags
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
	if f.cert {
		return verifyCert(ctx, stdout, path, opts)
	}
	ev, err := loadEvidence(path)
	if err != nil {
		return err
	}
	out := verdict{Errors: []string{}}
	if opts.OSImage != nil && (ev.QuoteOnly || ev.Attestation.Variant != wire.VariantTDX) {
		return usageErr(errors.New("--image checks TDX evidence with a vm_config and an event log (a GetQuote response or a verifier request), not a bare quote or SEV-SNP evidence"))
	}
	if ev.QuoteOnly {
		out.Platform = wire.VariantTDX.String()
		topts := tdx.Options{Now: opts.Now, Collateral: opts.Collateral}
		if opts.InsecureTrustRoots != nil {
			topts.TrustedRoots = opts.InsecureTrustRoots.TDX
		}
		q, err := tdx.Verify(ctx, ev.Attestation.TDX.Quote, topts)
		if err != nil {
			out.Errors = append(out.Errors, err.Error())
		} else {
			out.Valid = true
			out.TCBStatus, out.AdvisoryIDs = q.TCBStatus, q.AdvisoryIDs
			out.ReportData = hex.EncodeToString(q.ReportData[:])
			fillTDX(&out, q)
		}
	} else {
		out.Platform = ev.Attestation.Variant.String()
		v, err := attest.Verify(ctx, ev.Attestation, opts)
		out.fill(v, err, opts)
	}
	return printVerdict(stdout, out)
}

// verifyCert verifies an RA-TLS certificate and prints the verdict on its
// attestation.
func verifyCert(ctx context.Context, stdout io.Writer, path string, opts attest.Options) error {
	raw, err := readEvidence(path)
	if err != nil {
		return usageErr(err)
	}
	cert, err := verification.ParseCertificate(raw)
	if err != nil {
		return usageErr(fmt.Errorf("%s: %w", path, err))
	}
	out := verdict{Errors: []string{}}
	if ext, err := ratls.ReadExtensions(cert); err == nil && ext.Attestation != nil {
		out.Platform = ext.Attestation.Variant.String()
		if opts.OSImage != nil && ext.Attestation.Variant != wire.VariantTDX {
			return usageErr(errors.New("--image checks TDX evidence, and the certificate carries SEV-SNP evidence"))
		}
	}
	v, err := verification.VerifyCertificate(ctx, cert, opts)
	out.fill(v, err, opts)
	return printVerdict(stdout, out)
}

// fill records the outcome of verifying evidence with opts: why it was
// refused (and where its registers differ from its OS image's when that
// was the reason), or what it proves.
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
	out.Platform = v.Platform.String()
	fillVerified(out, v)
	if im := opts.OSImage; im != nil && v.OSImageVerified {
		isDev := im.Metadata.IsDev
		out.OSImageIsDev, out.OSImageVersion = &isDev, im.Metadata.Version
	}
}

// printVerdict writes out and turns an invalid verdict into exit status 1.
func printVerdict(stdout io.Writer, out verdict) error {
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
func loadEvidence(path string) (*verification.Evidence, error) {
	raw, err := readEvidence(path)
	if err != nil {
		return nil, usageErr(err)
	}
	ev, err := verification.ParseEvidence(raw)
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
