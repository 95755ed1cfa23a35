// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

// Package measure computes the TDX registers (MRTD, RTMR0–2) an OS image must produce, byte-compatible with
// upstream dstack's dstack-mr (https://github.com/Dstack-TEE/dstack/tree/master/dstack/dstack-mr), and binds a
// CVM's os_image_hash to the registers of its verified quote. It never trusts a value the host names: an
// os_image_hash counts only once the registers it implies have been recomputed and matched.
//
// From a full OS image directory (ReadImage, MeasureImageDir) it computes what upstream's dstack-mr does: MRTD
// from the TDVF metadata of the firmware (ParseTDVF), the QEMU-patched kernel's Authenticode hash, and the
// digests of the command line and the initrd; WriteImageFiles gives a built image its measurement.tdx.cbor,
// metadata.json and sha256sum.txt. The three ACPI digests of RTMR0 are the exception: upstream computes them by
// running a patched QEMU (dstack-acpi-tables) with the VM's device list, and no QEMU we can run does that
// (Debian's has no TDX machine, and QEMU exposes its ACPI tables only to the guest), so both the full and the
// lite path take them from the event log entries the guest labels acpi-loader, acpi-rsdp and acpi-tables. The
// registers still bind the image: the event log must replay to the quoted RTMR0, and the ACPI tables carry no
// part of the image.
package measure
