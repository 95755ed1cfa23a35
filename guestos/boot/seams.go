package boot

import (
	"context"
	"fmt"
	"os"
)

// AppRunner runs the app of a booted CVM. The container runtime (compose
// apps) is one implementation; BuiltinDemoApp is the development stack's.
type AppRunner interface {
	// Start starts the app and returns once it is running. The app must
	// not be started before the CVM reached system-ready.
	Start(ctx context.Context, app RunSpec) (RunningApp, error)
}

// RunSpec is what the runner gets to run.
type RunSpec struct {
	// Name is app-compose's name.
	Name string
	// Runner is app-compose's runner (docker-compose, nerdctl-compose, bash).
	Runner string
	// Compose is docker_compose_file: the YAML text of the compose project.
	Compose []byte
	// InitScripts are app-compose's init_script entries (measured as
	// init-script-hash), to run in order before the app's runtime starts.
	// A runner that cannot run them must refuse to start.
	InitScripts []string
	// BashScript and PreLaunchScript are the legacy bash_script (runner
	// "bash") and pre_launch_script.
	BashScript, PreLaunchScript string
	// Env is the decrypted environment, only the names allowed_envs keeps.
	Env map[string]string
	// DataDir is the app's persistent data directory.
	DataDir string
	// AgentSocket is the guest agent's unix socket, to be mounted into the
	// app's containers at /var/run/dstack.sock.
	AgentSocket string
	// AllowImageTags lets images be referenced by tag without a digest
	// (app-compose allow_unpinned_images). Off by default: the compose hash
	// must pin what runs.
	AllowImageTags bool
}

// RunningApp is a started app.
type RunningApp interface {
	// Wait blocks until the app exits and returns why.
	Wait() error
	// Stop stops the app.
	Stop(ctx context.Context) error
}

// Storage prepares the CVM's data directory.
type Storage interface {
	// Prepare opens (or, on first boot, creates) the data volume with the
	// disk key and returns it mounted. It runs before system-ready.
	Prepare(ctx context.Context, diskCryptKey []byte) (*Volume, error)
}

// Rekeyer is a Storage that can move its volume from the disk key of a
// threshold KMS's previous roots to the current one, during the handover
// of a root rotation.
type Rekeyer interface {
	// PrepareRekey is Prepare, except that a volume the current key does
	// not open but previousDiskKey does is re-keyed to the current key
	// first (and one re-keyed halfway is finished).
	PrepareRekey(ctx context.Context, diskCryptKey, previousDiskKey []byte) (*Volume, error)
}

// Volume is a prepared data volume.
type Volume struct {
	// Dir is where it is mounted.
	Dir string
	// FS names it in the storage-fs event: upstream's "zfs" or "ext4" for
	// an encrypted disk, InsecurePlainDirFS for a plain directory.
	FS string
}

// InsecurePlainDirFS is the storage-fs payload of an unencrypted data
// directory, so that evidence tells a verifier the data is not protected.
const InsecurePlainDirFS = "insecure-plain-dir"

// InsecurePlainDir is a data "volume" that is a plain directory of the host
// or dev machine: nothing is encrypted. Development only.
type InsecurePlainDir struct {
	// Dir is the directory, created 0700 when missing.
	Dir string
}

// Prepare implements Storage; the disk key is not used.
func (d InsecurePlainDir) Prepare(_ context.Context, _ []byte) (*Volume, error) {
	if d.Dir == "" {
		return nil, fmt.Errorf("preparing the data directory: no directory configured")
	}
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("preparing the data directory: %w", err)
	}
	return &Volume{Dir: d.Dir, FS: InsecurePlainDirFS}, nil
}

// GatewayRegistrar registers a booted CVM with the dstack gateway (upstream's
// GatewayContext in
// https://github.com/Dstack-TEE/dstack/blob/master/dstack-util/src/system_setup.rs:
// WireGuard key, KMS-signed client certificate, RegisterCvm). It is
// called after system-ready, only when the app wants the gateway; a failure
// is logged and does not stop the app, as upstream since 0.6.
type GatewayRegistrar interface {
	Register(ctx context.Context, cvm *CVM) error
}

// HostNotifier tells the host (upstream's host API Notify, over vsock) how
// the boot goes. The host is untrusted: nothing it is told is secret, and
// nothing depends on its answer. Events are "boot.progress" (free text),
// "boot.error" (the reason a boot failed) and "instance.info" (the
// .instance_info JSON, so that the VMM keeps the instance id seed across
// reboots and the disk key stays the same).
type HostNotifier interface {
	Notify(ctx context.Context, event, payload string) error
}
