package attest

import (
	"errors"
	"fmt"
)

// InsecureAllowUnboundOSImageOption is the name of the option, in the KMS's and the gateway's
// configurations, that lets them judge an os_image_hash the evidence does not bind.
const InsecureAllowUnboundOSImageOption = "insecure_allow_unbound_os_image"

// UnboundOSImageWarning is what a service logs at start when InsecureAllowUnboundOSImageOption is set.
const UnboundOSImageWarning = "INSECURE: " + InsecureAllowUnboundOSImageOption + " judges os_image_hash as the host claims it when the evidence does not bind it " +
	"(legacy TDX evidence without a measurement document, SEV-SNP): a host can boot any kernel, initrd or command line and name an allowed image"

// ErrOSImageNotBound is wrapped by RequireBoundOSImage's error: the evidence verified, but its
// os_image_hash is a claim of the host, not what the registers prove.
var ErrOSImageNotBound = errors.New("the OS image is not bound to the attested registers")

// RequireBoundOSImage is the rule every service that judges a peer by its os_image_hash applies:
// the hash counts only when it was bound (v.OSImageVerified: the registers the image implies
// were recomputed and matched), unless the operator set InsecureAllowUnboundOSImageOption
// (insecureAllowUnbound). The error names the reason and the two ways out.
func RequireBoundOSImage(v *Verified, insecureAllowUnbound bool) error {
	if v.OSImageVerified || insecureAllowUnbound {
		return nil
	}
	reason := v.OSImageReason
	if reason == "" {
		reason = "no reason given"
	}
	return fmt.Errorf("%w: os_image_hash %x is a claim of the host (%s); boot a dstack OS image whose vm_config carries its measurement document "+
		"(tdx_attestation_variant \"lite\" with tdx_measurement), or set %s to judge the claimed hash", ErrOSImageNotBound, v.OSImageHash, reason, InsecureAllowUnboundOSImageOption)
}
