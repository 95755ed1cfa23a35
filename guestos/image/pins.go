package image

// Pin names one Debian binary package by exact version and by the SHA-256 of
// its .deb file. A build fetches the package with apt from Suite of Archive
// and refuses any file whose hash differs from SHA256, so the image's bytes
// depend on this record and on nothing the network says.
type Pin struct {
	// Package is the binary package name, e.g. "linux-image-6.12.95+deb12-amd64".
	Package string
	// Version is the exact Debian version of the package.
	Version string
	// Archive is the Debian archive the package is fetched from with apt.
	Archive string
	// Suite is the archive suite holding Version (bookworm, bookworm-backports…).
	Suite string
	// SHA256 is the hex SHA-256 of the .deb file.
	SHA256 string
}

func (p Pin) String() string { return p.Package + " " + p.Version + " (" + p.Suite + ")" }

// debianArchive is where both pinned packages come from.
const debianArchive = "http://deb.debian.org/debian"

// KernelPin is the guest kernel: Debian's backported 6.12 kernel for
// bookworm (the package linux-image-amd64 of bookworm-backports depends on).
// It is built with INTEL_TDX_GUEST and ships tdx_guest and tsm
// (TSM_REPORTS, configfs-tsm) as modules, which bookworm's own 6.1 kernel
// lacks. To move to a newer kernel, run
//
//	apt-get download linux-image-<release>-amd64 (from bookworm-backports)
//	sha256sum linux-image-*.deb
//
// and update this record; TestPinnedKernelConfig then re-checks its options.
var KernelPin = Pin{
	Package: "linux-image-6.12.95+deb12-amd64",
	Version: "6.12.95-1~bpo12+1",
	Archive: debianArchive,
	Suite:   "bookworm-backports",
	SHA256:  "5e524b782be67cb0d6a2e7b51816a2ac519e573ef7324b9a63a4124365653ecc",
}

// OVMFPin is the firmware of the qemu boots: Debian's ovmf package, whose
// /usr/share/ovmf/OVMF.fd becomes the image's ovmf.fd. It carries TDVF
// metadata but is not the TDVF build a TDX host should boot: see the package
// documentation.
var OVMFPin = Pin{
	Package: "ovmf",
	Version: "2022.11-6+deb12u2",
	Archive: debianArchive,
	Suite:   "bookworm",
	SHA256:  "e73d3d1a8799f7f6fc16b73501d913edcdd86237556fbff30693e747e6dc262e",
}

// ovmfPath is the firmware file taken from the ovmf package.
const ovmfPath = "usr/share/ovmf/OVMF.fd"
