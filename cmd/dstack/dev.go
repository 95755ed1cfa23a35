package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/internal/devstack"
)

// devErr gives the dev stack's usage errors exit code 2.
func devErr(err error) error {
	if devstack.IsUsage(err) {
		return usageErr(err)
	}
	return err
}

func init() {
	var o devstack.Options
	dev := &cobra.Command{Use: "dev", Short: "Run the local development stack with a simulated TEE"}
	up := &cobra.Command{
		Use:   "up",
		Short: "Start the development stack and run until interrupted",
		Long: `Start the development stack on loopback and run until Ctrl-C (or "dstack dev down").

It builds the demo app (a static Go program in internal/devstack/demoapp; the
first run compiles it, which takes minutes) into an OCI image with
go-containerregistry and serves it from a registry in process, as
registry.dstack.internal/dstack/demo pinned by digest, so that the demo's
compose hash is the same at every run; starts a dev chain (go-ethereum in
process) with the governance contracts, the app registered with its compose
hash allowed, and a gateway app id set; a KMS whose authorizer is that chain;
the gateway, Caddy with the dstack modules in process, for *.dstack.localhost
with Caddy's internal CA; and --apps confidential VMs in process mode. The KMS,
the gateway and the CVMs run on simulated TDX modules whose quotes a mock Intel
PKI signs. Each CVM runs the guest's own boot sequence (guestos) from a
host-shared directory in <dir>/cvm, gets its app keys from the KMS over mutual
RA-TLS, serves the guest agent on <dir>/cvm/dstack.sock, runs the compose app as
containers (runc libcontainer; root needed), and registers with the gateway
behind its attested tunnel. The app answers at https://<app_id>.dstack.localhost:PORT/
through the gateway (port P of the app at <app_id>-P.dstack.localhost).

--kms-nodes N --kms-threshold T runs a T-of-N threshold KMS in process beside
it: the nodes run a DKG among themselves over mutual RA-TLS at start (one to
two minutes here; their pre-parameters, tens of seconds each, are generated
once and cached sealed in dstack/dev-kms under the user cache directory, with
the committee's shares, which the next runs start from), its root keys are
published with setKmsInfo, and each CVM gets its keys from T nodes' checked
partial keys (key-provider kms-threshold). With --vm the guest reaches each
node, and not the stack's KMS, through a forward of its own at 10.0.2.110 and
up, which its .sys-config.json's kms_threshold names.

--vm runs each CVM as a qemu VM (TCG; qemu-system-x86_64 needed, root not)
booting the guest OS image of this repository ("dstack image build --debug
--insecure-simulated-tee", built on demand into dstack/dev-images under the
user cache directory, or given with --vm-image) with a LUKS2 data disk in
<dir>/cvm/data.img and the host-shared files over 9p; qemu loads its kernel
itself, or, with --vm-firmware ovmf, the image's ovmf.fd does, as upstream's
VMM boots an image (some 3 s slower under TCG). Its network is qemu's
user mode with restrict=on: the guest reaches only the KMS (or the threshold
KMS's nodes), the gateway's registration, the chain and the registry,
forwarded to it on 10.0.2.100-103 (the nodes on 10.0.2.110 and up),
and the host reaches the guest's tunnel and agent through forwards on
127.0.0.1 (the agent also on <dir>/cvm/dstack.sock). The guest runs the
compose app's containers (the demo's, or yours with --compose and --image),
pulling their images by digest from the stack's registry as its registry
mirror, behind the tunnel, so the app answers through the gateway as in
process mode. Its console is <dir>/cvm/console.log; "dev down" powers the VMs
off and ends every qemu. The VM boots with the image's own kernel command line
(the instance's settings are in its host-shared .sys-config.json), its simulated
TD reports the image's boot measurement as the stack computes it, and the chain
allows the image's os_image_hash: "dstack verify --image <vm_image>" binds the
VM's evidence to the image directory state.json names.

Your own app: --compose FILE (an app-compose.json, or a docker-compose file,
which is wrapped into an app-compose in canonical JSON), with its images loaded
from --image PATH (an OCI image layout directory or a "docker save" tarball,
repeatable) into the stack's registry under the names they carry; the compose
file and its images are checked before anything starts. Every app-compose the
stack writes is canonical JSON, so the SDKs' getComposeHash gives its hash.

--acme gives the gateway a certificate from an ACME CA instead of Caddy's
internal CA: Pebble (Let's Encrypt's test CA, in process, which here also
checks CAA with accounturi before it issues) and a DNS server for
dstack.localhost, both on loopback. The gateway's dstack_acme issuer pins its
account in CAA and solves DNS-01, both over RFC 2136; it keeps the account and
certificate in dstack_sealed storage, sealed with a key of the gateway app that
a TD booted for the gateway gets from the KMS (its guest agent on
<dir>/gateway-td/dstack.sock); and the gateway serves its attested ACME record
at https://gateway.dstack.localhost:PORT/.dstack/acme-info (state.json's
acme_info_url; check it with "dstack verify --acme-info"). The app's
certificate then chains to Pebble's root (<dir>/acme/pebble-root.pem, also at
its management interface's /roots/0).

--custom-domain NAME (with --acme) runs one more app, serving NAME, a domain of
its own outside dstack.localhost (app.custom.example: its zone custom.example is
added to the DNS server): Caddy with the dstack modules, built from this source
into an image, runs as the app of a process-mode CVM with a fixed Caddyfile in
its compose file, the ACME CA, DNS server and TSIG key coming from its
encrypted env. It gets its own certificate from Pebble (DNS-01 and CAA with
accounturi in its zone), sealed with a key its guest agent derives from the
app's keys, and serves its own acme-info; the gateway's HTTPS port passes
NAME's connections through to it by the _dstack-app-address TXT record
(state.json's custom_domain gives its url, acme_info_url and app_id).

One stack runs per --dir: while one runs, a second "up" in the same --dir
refuses without touching anything.

INSECURE: the mock PKI's roots (written to <dir>/insecure-trust-roots.pem) let
anyone holding its keys (its seed is in <dir>/state.json) forge evidence.
Nothing here proves anything about real TEE hardware.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			o.Out = cmd.OutOrStdout()
			return devErr(devstack.Up(ctx, o))
		},
	}
	up.Flags().StringVar(&o.Dir, "dir", devstack.DefaultDir, "state directory")
	up.Flags().StringVar(&o.Listen, "listen", "127.0.0.1:8443", "loopback address of the gateway's HTTPS server")
	up.Flags().StringVar(&o.Compose, "compose", "", "app-compose.json or docker-compose file to run instead of the demo app")
	up.Flags().StringArrayVar(&o.Images, "image", nil, "OCI image layout directory or docker save tarball to load into the stack's registry (repeatable)")
	up.Flags().IntVar(&o.Apps, "apps", 1, "number of instances (CVMs) of the app")
	up.Flags().IntVar(&o.Gateways, "gateways", 1, "number of gateway nodes, sharing one registry and certificates in etcd (state.json lists them in gateways)")
	up.Flags().BoolVar(&o.InsecureBuiltinApp, "insecure-builtin-app", false, "serve a built-in handler instead of running the app's containers (no root needed; not through the gateway)")
	up.Flags().BoolVar(&o.InsecurePlainHTTPLoopback, "insecure-plain-http-loopback", false, "let the app's images be pulled over plain HTTP from registries on loopback")
	up.Flags().BoolVar(&o.VM, "vm", false, "run each CVM as a qemu VM (TCG) booting the guest OS image instead of in process")
	up.Flags().StringVar(&o.VMImage, "vm-image", "", "guest image directory for --vm (built with --debug --insecure-simulated-tee); default: built from this repository into the cache")
	up.Flags().StringVar(&o.VMFirmware, "vm-firmware", "", "how --vm starts the kernel: direct (qemu loads it, on SeaBIOS) or ovmf (the image's ovmf.fd loads it, as on a TDX host; some 3 s slower under TCG); default direct")
	up.Flags().IntVar(&o.KMSNodes, "kms-nodes", 0, "run a threshold KMS of this many nodes (with --kms-threshold) for the CVMs' keys, in process or --vm mode")
	up.Flags().IntVar(&o.KMSThreshold, "kms-threshold", 0, "how many of the --kms-nodes release an app's keys together")
	up.Flags().BoolVar(&o.ACME, "acme", false, "get the gateway's certificate from Pebble on loopback (dstack_acme, DNS-01 and CAA over RFC 2136, sealed storage) instead of Caddy's internal CA")
	up.Flags().StringVar(&o.CustomDomain, "custom-domain", "", "with --acme: also run an app serving this domain of its own (Caddy in its CVM with its own Pebble certificate, sealed with its own key, and its own acme-info), passed through by the gateway; state.json's custom_domain says where")
	up.Flags().BoolVar(&o.InsecureAllowImageTags, "insecure-allow-image-tags", false, "let the app's images be named by tag (the compose hash then does not pin what runs)")
	var dir string
	down := &cobra.Command{
		Use:   "down",
		Short: "Stop a running development stack",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return devErr(devstack.Down(cmd.OutOrStdout(), dir))
		},
	}
	down.Flags().StringVar(&dir, "dir", devstack.DefaultDir, "state directory")
	restart := &cobra.Command{
		Use:   "restart-gateway",
		Short: "Restart the running stack's gateway (Caddy stops and loads again from its storage)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return devErr(devstack.RestartGateway(cmd.OutOrStdout(), dir))
		},
	}
	restart.Flags().StringVar(&dir, "dir", devstack.DefaultDir, "state directory")

	var co devstack.CVMOptions
	cvm := &cobra.Command{
		Use:   "cvm",
		Short: "Boot one more CVM of the running stack's app",
		Long: `Boot one more CVM (process mode, simulated TEE) of the app of the stack that
"dstack dev up" runs in --dir, and run it until interrupted. It gets its keys from
the stack's KMS only if the chain allows its compose hash, registers with the
stack's gateway, and keeps its data directory and instance info in
<dir>/extra/<name>: booting the same name again is a restart of that instance
(same instance id, same data). --version runs the demo app's image with another
version string, which is another compose hash: allow it first with
"dstack chain add-compose-hash" (--print-compose-hash prints it). With --vm, on a
stack started with "dev up --vm", it boots as a qemu VM of the stack's guest
image, as the stack's own CVMs, its data disk and console in <dir>/extra/<name>.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return devErr(devstack.RunCVM(ctx, cmd.OutOrStdout(), co))
		},
	}
	cvm.Flags().StringVar(&co.Dir, "dir", devstack.DefaultDir, "state directory of the running stack")
	cvm.Flags().StringVar(&co.Name, "name", "", "name of the instance (its directory under <dir>/extra)")
	cvm.Flags().StringVar(&co.Compose, "compose", "", "app-compose.json or docker-compose file to run instead of the demo app")
	cvm.Flags().StringVar(&co.Version, "version", "v1", "version string of the demo app")
	cvm.Flags().BoolVar(&co.PrintHash, "print-compose-hash", false, "print the compose hash this CVM would boot with, and exit")
	cvm.Flags().BoolVar(&co.VM, "vm", false, "boot it as a qemu VM of the stack's guest image (a stack started with --vm; root not needed)")

	var kdir, kname string
	replica := &cobra.Command{
		Use:   "kms",
		Short: "Start a KMS replica of the running stack, onboarded from its KMS",
		Long: `Start one more KMS (simulated TEE, same OS image and measurement) that replicates
the root keys of the running stack's KMS through onboarding (GetKmsKey over mutual
RA-TLS: each side checks the other on chain), and serve until interrupted. Its
state is in <dir>/extra-kms/<name>; its URL in that directory's state.json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return devErr(devstack.RunKMSReplica(ctx, cmd.OutOrStdout(), kdir, kname))
		},
	}
	replica.Flags().StringVar(&kdir, "dir", devstack.DefaultDir, "state directory of the running stack")
	replica.Flags().StringVar(&kname, "name", "replica", "name of the replica (its directory under <dir>/extra-kms)")
	dev.AddCommand(up, down, restart, cvm, replica)
	rootCmd.AddCommand(dev)
}
