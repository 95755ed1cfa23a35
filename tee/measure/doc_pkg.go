// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

// Package measure computes the TDX registers (MRTD, RTMR0–2) an OS image must produce, byte-compatible with
// upstream dstack's dstack-mr (https://github.com/Dstack-TEE/dstack/tree/master/dstack/dstack-mr), and binds a
// CVM's os_image_hash to the registers of its verified quote. It never trusts a value the host names: an
// os_image_hash counts only once the registers it implies have been recomputed and matched.
package measure
