// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

// Package measure computes the TDX registers (MRTD, RTMR0–2) an OS image must produce, byte-compatible with
// upstream dstack's dstack-mr (https://github.com/Dstack-TEE/dstack/tree/master/dstack/dstack-mr), and binds a
// CVM's os_image_hash to the registers of its verified quote. It never trusts a value the host names: an
// os_image_hash counts only once the registers it implies have been recomputed and matched.
//
// The lite path (BindTDX, TDXImageMeasurement.Expected) works from what lite evidence carries: the
// measurement.tdx.cbor and sha256sum.txt of vm_config.tdx_measurement (which must belong to os_image_hash),
// the VM shape of vm_config, and the three ACPI digests of the boot event log. What it binds and what it
// does not, as upstream's verifier:
//   - MRTD binds the firmware (through the MRTD candidate the QEMU version selects), RTMR1 the kernel,
//     RTMR2 the kernel command line and the initrd, RTMR0 the TD HOB (so memory_size) and the firmware's
//     fixed events.
//   - The ACPI tables are bound as measured (their digests in RTMR0) but not checked against vm_config:
//     the VM-shape fields that only shape them (LiteUnbound: cpu_count, num_gpus, pci_hole64_size, …) stay
//     claims. Upstream's legacy path regenerates the tables from vm_config; this package does not.
//   - Legacy TDX evidence needs the OS image itself; BindTDX reports it as not bound, with the reason, and
//     BindTDXImage binds it (or any TDX evidence with a vm_config) to a full OS image directory whose
//     os_image_hash is the claimed one, through the same comparison and event diff.
//   - SEV-SNP (BindSNP): the launch MEASUREMENT is recomputed from vm_config's sev_snp_measurement in the
//     form that carries the launch inputs (OVMF launch digest and sections, kernel, initrd and command-line
//     hashes, vCPUs; https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-mr/src/sev.rs), and
//     inputs that give another measurement are an error. That form has no sha256sum.txt, so os_image_hash
//     stays a claim; the measurement.snp.cbor form that binds it is not read yet.
//
// From a full OS image directory (ReadImage, MeasureImageDir) it computes what upstream's dstack-mr does: MRTD
// from the TDVF metadata of the firmware (ParseTDVF), the QEMU-patched kernel's Authenticode hash, and the
// digests of the command line and the initrd; WriteImageFiles gives a built image its measurement.tdx.cbor,
// metadata.json and sha256sum.txt. The three ACPI digests of RTMR0 are the exception: upstream computes them by
// running a patched QEMU (dstack-acpi-tables) with the VM's device list, and no QEMU we can run does that
// (Debian's has no TDX machine, and QEMU exposes its ACPI tables only to the guest), so both the full and the
// lite path take them from the event log entries the guest labels acpi-loader, acpi-rsdp and acpi-tables, bound
// as measured as above. Image.Expected gives the registers of a full image for any memory size (the lite
// document serves only 2 GiB and 0xB0000000 bytes or more, where QEMU's kernel patch does not depend on it).
//
// It must never accept a document of another image, fall back to a claimed value when a computation fails,
// or report a hash as bound without comparing every one of MRTD and RTMR0–2.
package measure
