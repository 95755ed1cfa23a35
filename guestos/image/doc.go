// Package image builds the guest OS image: the directory a host boots a
// dstack CVM from, in upstream's layout
// (https://github.com/Dstack-TEE/dstack/blob/master/os/image/assemble.sh):
//
//	ovmf.fd            firmware (Debian's ovmf, OVMFPin)
//	bzImage            kernel (Debian's, KernelPin)
//	initramfs.cpio.gz  dstack-init as /init, the kernel modules it loads
//	metadata.json      bios, kernel, cmdline, initrd, version, git_revision,
//	                   shared_ro, is_dev, ovmf_variant, then dstack_go_build
//	measurement.tdx.cbor  (written by the measurement step, when present)
//	sha256sum.txt      sha256sum lines over the files above, upstream's order
//	digest.txt         os_image_hash = SHA-256 of sha256sum.txt, in hex
//
// There is no root file system: the initramfs is the whole guest, measured
// with the kernel and the command line. It holds no CA files either: the
// public roots the guest trusts for https (a registry, a PCCS) are the
// Mozilla bundle of golang.org/x/crypto/x509roots/fallback compiled into
// dstack-init, so they are measured with it and change only with go.mod.
//
// # Inputs
//
// The kernel and the firmware are Debian binary packages pinned by version
// and by the SHA-256 of their .deb, fetched with apt-get (never from
// anywhere else) into a cache under the user cache directory, and refused
// when the hash differs. The .deb files are read in Go (ar, xz, tar). The
// kernel is bookworm-backports' 6.12, which has what a TDX guest needs;
// bookworm's own 6.1 kernel lacks INTEL_TDX_GUEST, TDX_GUEST_DRIVER and
// TSM_REPORTS (configfs-tsm), so it could only serve TCG tests (Options.Kernel
// with Options.AcceptMissing). The build reads the kernel's config and fails,
// listing every gap, unless each of Requirements is built in or a module the
// package ships; those modules and what they depend on (from each module's
// .modinfo: Debian ships no modules.dep) go into the initramfs uncompressed,
// under /lib/modules/<release>/, and ModulesListPath names them in load order.
//
// # Firmware on TDX hosts
//
// Debian's OVMF (edk2 2022.11, OvmfPkgX64) carries TDVF metadata, so the
// image is measured with it (measurement.tdx.cbor: its MRTD, the kernel,
// command line and initrd digests), and it boots the image under qemu here.
// Its RTMR0 event layout is not known to be the pre202505 one that upstream's
// verifier replays, and upstream holds that a stock distribution OVMF does not
// match it: a TDX host boots the image with upstream's pinned TDVF build
// (https://github.com/Dstack-TEE/dstack/blob/master/os/mkosi/components/ovmf/ovmf-build.sh:
// edk2 fbe0805b2091393406952e84724188f8c1941837 with upstream's patches,
// OvmfPkg/IntelTdx/IntelTdxX64.dsc, RELEASE, GCC5; its OVMF_VARIANT is
// pre202505), given with Options.Firmware (--firmware), so that the image is
// measured with the firmware it boots. Under qemu here (TCG, no TDX) the
// image boots through Debian's OVMF as qemu's -bios, loading the kernel,
// initrd and command line from fw_cfg as upstream's VMM has it do
// (TestVMBoot; dstack dev up --vm --vm-firmware ovmf).
//
// # Reproducibility
//
// dstack-init is built with -trimpath, an empty build id, no VCS stamp, fixed
// GOAMD64, cgo flags and build tags, and an environment stripped of the
// caller's build settings; it links runc's libcontainer, whose nsenter is C,
// so it is a static cgo build and the C compiler's version is recorded in
// metadata.json with Go's. The cpio records are sorted, owned by 0:0, and
// stamped with SOURCE_DATE_EPOCH (0 by default), as is the gzip header; a
// SOURCE_DATE_EPOCH is also built into dstack-init, whose clock check refuses
// a clock earlier than the image's build (metadata.json records it). Two
// builds of one commit with the same Go and C toolchains are byte-identical.
//
// # Production and debug images
//
// A production image holds no shell. A debug image (Options.Debug) adds
// u-root's gosh and a few commands under /bin, carries DebugArg on its
// command line and is_dev in metadata.json, and so measures differently.
// Only a debug image may carry InsecureSimulatedTEEArg, the one thing that
// lets dstack-init run on a simulated TEE.
//
// This package never installs anything on the build machine and never runs
// what it builds.
package image
