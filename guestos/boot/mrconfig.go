package boot

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/identity"
)

// checkMrConfigID compares the MR_CONFIG_ID the host launched the TD with
// to what this boot measured (upstream's config_id_verifier): all zeros
// means unused; V1 commits to the compose hash, V2 also to the app id and
// key provider, V3 to the sys-config's mr_config document, whose fields
// must then match. A mismatch refuses the boot: the host launched the TD for
// another app than the one it handed over.
func (c *CVM) checkMrConfigID(ctx context.Context) error {
	att, err := c.Platform.Attest(ctx, [64]byte{})
	if err != nil {
		return fmt.Errorf("checking MR_CONFIG_ID: %w", err)
	}
	rep, err := tdx.Parse(att.TDX.Quote)
	if err != nil {
		return fmt.Errorf("checking MR_CONFIG_ID: %w", err)
	}
	id := rep.MrConfigID
	if id == ([48]byte{}) {
		return nil
	}
	kind, root := c.keyProvider()
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("checking MR_CONFIG_ID: %w: "+format, append([]any{ErrRefused}, args...)...)
	}
	switch id[0] {
	case 1:
		if id != identity.MrConfigV1(c.ComposeHash) {
			return refuse("V1 does not commit to this compose hash")
		}
	case 2:
		if c.KeySet != nil {
			return refuse("V2 names upstream's key providers only, not %s: use V3 with key_provider %q", kind, kind)
		}
		want, err := identity.MrConfigV2(c.ComposeHash, c.AppID, identity.KeyProviderKMS, root)
		if err != nil {
			return fmt.Errorf("checking MR_CONFIG_ID: %w", err)
		}
		if id != want {
			return refuse("V2 does not commit to this compose hash, app id and KMS")
		}
	case 3:
		doc := []byte(c.SysConfig.MrConfig)
		if len(doc) == 0 {
			return refuse("V3 but .sys-config.json has no mr_config document")
		}
		if id != identity.MrConfigIDV3(doc) {
			return refuse("V3 does not commit to the mr_config document")
		}
		m, err := identity.ParseMrConfigV3(doc)
		if err != nil {
			return refuse("%v", err)
		}
		gpu, err := c.Compose.GPUPolicyHash()
		if err != nil {
			return fmt.Errorf("checking MR_CONFIG_ID: %w", err)
		}
		var scripts [][32]byte
		if m.InitScriptHashes != nil {
			scripts = m.InitScriptHashList()
		}
		switch {
		case !bytes.Equal(m.ComposeHash, c.ComposeHash[:]):
			return refuse("mr_config compose_hash is not this app-compose's")
		case len(m.AppID) != 0 && !bytes.Equal(m.AppID, c.AppID[:]):
			return refuse("mr_config app_id is not this app's")
		case m.KeyProvider != string(kind):
			return refuse("mr_config key_provider %q, this boot used %s", m.KeyProvider, kind)
		case len(m.KeyProviderID) != 0 && !bytes.Equal(m.KeyProviderID, root):
			return refuse("mr_config key_provider_id is not the key provider's (the KMS root CA, or the threshold key set's ID)")
		case len(m.InstanceID) != 0 && !bytes.Equal(m.InstanceID, c.InstanceID):
			return refuse("mr_config instance_id is not this instance's")
		case len(m.GPUPolicyHash) != 0 && !bytes.Equal(m.GPUPolicyHash, gpu[:]):
			return refuse("mr_config gpu_policy_hash is not this app's")
		case m.InitScriptHashes != nil && !slices.Equal(scripts, c.Compose.InitScriptHashes()):
			return refuse("mr_config init_script_hashes are not this app's")
		}
	default:
		return refuse("unknown version %d", id[0])
	}
	return nil
}
