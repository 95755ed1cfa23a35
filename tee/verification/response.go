package verification

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/wire"
)

// Response is upstream dstack-verifier's VerificationResponse, field for
// field and in its order: reason is null when the evidence is valid and
// nothing was waived.
type Response struct {
	IsValid bool    `json:"is_valid"`
	Details Details `json:"details"`
	Reason  *string `json:"reason"`
}

// Details is upstream's VerificationDetails. Fields upstream fills only on
// its full-image path (os_image_is_dev, os_image_version, and with debug
// acpi_tables and rtmr_debug) are null or absent here, as upstream leaves
// them on the lite path.
type Details struct {
	QuoteVerified       bool         `json:"quote_verified"`
	EventLogVerified    bool         `json:"event_log_verified"`
	OSImageHashVerified bool         `json:"os_image_hash_verified"`
	ACPITablesVerified  bool         `json:"acpi_tables_verified"`
	OSImageIsDev        *bool        `json:"os_image_is_dev"`
	OSImageVersion      *string      `json:"os_image_version"`
	TEEVariant          *string      `json:"tee_variant"`
	ReportData          *string      `json:"report_data"`
	TCBStatus           *string      `json:"tcb_status"`
	AdvisoryIDs         []string     `json:"advisory_ids"`
	KeyProvider         *KeyProvider `json:"key_provider"`
	AppInfo             *AppInfo     `json:"app_info"`
	BootInfo            *BootInfo    `json:"boot_info,omitempty"`
}

// MarshalJSON writes advisory_ids as [] when there are none, as upstream.
func (d Details) MarshalJSON() ([]byte, error) {
	type plain Details
	if d.AdvisoryIDs == nil {
		d.AdvisoryIDs = []string{}
	}
	return json.Marshal(plain(d))
}

// KeyProvider is the decoded key-provider event ({"name", "id"}).
type KeyProvider struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// AppInfo is upstream's AppInfo in JSON: bytes as lowercase hex, and
// init_script_hashes null when the evidence does not bind them.
type AppInfo struct {
	AppID            eventlog.HexBytes   `json:"app_id"`
	ComposeHash      eventlog.HexBytes   `json:"compose_hash"`
	InstanceID       eventlog.HexBytes   `json:"instance_id"`
	DeviceID         eventlog.HexBytes   `json:"device_id"`
	MrSystem         eventlog.HexBytes   `json:"mr_system"`
	MrAggregated     eventlog.HexBytes   `json:"mr_aggregated"`
	OSImageHash      eventlog.HexBytes   `json:"os_image_hash"`
	KeyProviderInfo  eventlog.HexBytes   `json:"key_provider_info"`
	InitScriptHashes []eventlog.HexBytes `json:"init_script_hashes"`
}

// BootInfo is upstream's PolicyBootInfo: what the KMS posts to an
// authorization webhook, camelCase, bytes as hex without 0x.
type BootInfo struct {
	TEEVariant      string            `json:"teeVariant"`
	MrAggregated    eventlog.HexBytes `json:"mrAggregated"`
	OSImageHash     eventlog.HexBytes `json:"osImageHash"`
	MrSystem        eventlog.HexBytes `json:"mrSystem"`
	AppID           eventlog.HexBytes `json:"appId"`
	ComposeHash     eventlog.HexBytes `json:"composeHash"`
	InstanceID      eventlog.HexBytes `json:"instanceId"`
	DeviceID        eventlog.HexBytes `json:"deviceId"`
	KeyProviderInfo eventlog.HexBytes `json:"keyProviderInfo"`
	TCBStatus       string            `json:"tcbStatus"`
	AdvisoryIDs     []string          `json:"advisoryIds"`
}

// Options configure Verify.
type Options struct {
	// Attestation configures evidence verification (trust roots,
	// collateral, time).
	Attestation attest.Options
	// InsecureAllowUnverifiedOSImage reports evidence whose os_image_hash is
	// not bound to its boot registers as valid (os_image_hash_verified
	// false, the reason in reason). Default false: such evidence is not
	// valid, as upstream's verifier judges it, because a host can claim any
	// OS image for it. It never waives evidence whose registers contradict
	// the image it claims, or lite evidence that cannot be bound.
	InsecureAllowUnverifiedOSImage bool
}

// Verify verifies the evidence of a request. An error (wrapping
// ErrBadRequest) means the request carries no evidence that decodes;
// evidence that decodes gets a Response, valid or not.
func Verify(ctx context.Context, r *Request, opts Options) (*Response, error) {
	a, err := r.Evidence()
	if err != nil {
		return nil, err
	}
	v, err := attest.Verify(ctx, a, opts.Attestation)
	return report(a, v, err, opts), nil
}

// osImageBinding says whether v's os_image_hash was proven by the boot
// registers, and if not, why.
func osImageBinding(v *attest.Verified) (bool, string) { return v.OSImageVerified, v.OSImageReason }

// report is the Response for the outcome of attest.Verify on a: v with err
// nil, or err. It follows upstream's steps: a quote (with its event log)
// that does not verify, then an OS image that is not bound or that the
// registers contradict, end the report early, with what was established so
// far.
func report(a *wire.Attestation, v *attest.Verified, err error, opts Options) *Response {
	var mismatch *measure.MismatchError
	switch {
	case errors.As(err, &mismatch) || errors.Is(err, measure.ErrNotBindable):
		// attest.Verify binds the OS image last: the quote, report_data
		// and event log verified.
		res := &Response{Details: Details{QuoteVerified: true}}
		variant, reportData := a.Variant.String(), hex.EncodeToString(a.ReportData[:])
		res.Details.TEEVariant, res.Details.ReportData = &variant, &reportData
		reason := "OS image hash verification failed: " + err.Error()
		res.Reason = &reason
		return res
	case err != nil:
		return refused("Quote verification failed: " + err.Error())
	}
	res := &Response{Details: Details{QuoteVerified: true}}
	d := &res.Details
	variant, reportData := v.Platform.String(), hex.EncodeToString(v.ReportData[:])
	d.TEEVariant, d.ReportData = &variant, &reportData
	if v.TCBStatus != "" {
		status := v.TCBStatus
		d.TCBStatus = &status
	}
	d.AdvisoryIDs = append([]string{}, v.AdvisoryIDs...)

	bound, why := osImageBinding(v)
	if !bound && !opts.InsecureAllowUnverifiedOSImage {
		reason := "OS image hash verification failed: " + why
		res.Reason = &reason
		return res
	}
	d.OSImageHashVerified = bound
	info := v.AppInfo(false)
	d.AppInfo = appInfoJSON(v, info)
	d.BootInfo = &BootInfo{
		TEEVariant: variant, MrAggregated: info.MrAggregated[:], OSImageHash: info.OSImageHash,
		MrSystem: info.MrSystem[:], AppID: info.AppID, ComposeHash: info.ComposeHash,
		InstanceID: info.InstanceID, DeviceID: info.DeviceID, KeyProviderInfo: info.KeyProviderInfo,
		TCBStatus: v.TCBStatus, AdvisoryIDs: d.AdvisoryIDs,
	}
	d.KeyProvider = decodeKeyProvider(v.KeyProviderInfo)
	d.EventLogVerified = true
	res.IsValid = true
	if !bound {
		reason := "OS image hash not verified (" + why + "); reported valid because insecure_allow_unverified_os_image is set"
		res.Reason = &reason
	}
	return res
}

// refused is a Response that establishes nothing.
func refused(reason string) *Response {
	return &Response{Reason: &reason}
}

func appInfoJSON(v *attest.Verified, info wire.AppInfo) *AppInfo {
	out := &AppInfo{
		AppID: info.AppID, ComposeHash: info.ComposeHash, InstanceID: info.InstanceID, DeviceID: info.DeviceID,
		MrSystem: info.MrSystem[:], MrAggregated: info.MrAggregated[:], OSImageHash: info.OSImageHash,
		KeyProviderInfo: info.KeyProviderInfo,
	}
	// On TDX the hashes are the init-script-hash events before
	// system-ready, none being an empty list; on SEV-SNP they are bound
	// only when MrConfigV3 lists them.
	if info.InitScriptHashes != nil || v.Platform == wire.VariantTDX {
		out.InitScriptHashes = []eventlog.HexBytes{}
		for _, h := range info.InitScriptHashes {
			out.InitScriptHashes = append(out.InitScriptHashes, eventlog.HexBytes(h[:]))
		}
	}
	return out
}

// decodeKeyProvider decodes the key-provider event's JSON, nil when it is
// absent or not {"name": string, "id": string}, as upstream.
func decodeKeyProvider(b []byte) *KeyProvider {
	var kp struct {
		Name *string `json:"name"`
		ID   *string `json:"id"`
	}
	if len(b) == 0 || json.Unmarshal(b, &kp) != nil || kp.Name == nil || kp.ID == nil {
		return nil
	}
	return &KeyProvider{Name: *kp.Name, ID: *kp.ID}
}
