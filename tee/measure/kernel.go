// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"crypto/sha512"
	"encoding/binary"
	"fmt"
)

// QEMU patches the bzImage's setup header before OVMF measures it, so RTMR1's kernel digest is the
// Authenticode hash of the patched image. The patch is upstream's
// (https://github.com/Dstack-TEE/dstack/blob/master/dstack/dstack-mr/src/kernel.rs, patch_kernel), which
// follows QEMU's x86_load_linux.

const (
	// qemuACPIDataSize is the room QEMU keeps for ACPI data below 4 GiB (ACPI_DATA_SIZE on q35).
	qemuACPIDataSize = 0x28000
	minKernelSize    = 0x1000
)

// KernelHashIsStable reports whether the kernel digest of measurement.tdx.cbor (computed for
// KernelHashStableMinMemory) holds for a VM of memory bytes.
func KernelHashIsStable(memory uint64) bool {
	return memory == KernelHashCompat2GMemory || memory >= KernelHashStableMinMemory
}

// patchKernel returns a copy of the bzImage kernel with the setup-header fields QEMU writes when it loads it
// for a VM of memSize bytes with an initrd of initrdSize bytes.
func patchKernel(kernel []byte, initrdSize uint32, memSize uint64) ([]byte, error) {
	if len(kernel) < minKernelSize {
		return nil, fmt.Errorf("patching the kernel: it is only %d bytes, want at least %d", len(kernel), minKernelSize)
	}
	kd := append([]byte(nil), kernel...)
	le := binary.LittleEndian
	protocol := le.Uint16(kd[0x206:])
	realAddr, cmdlineAddr := uint32(0x10000), uint32(0x20000)
	if protocol < 0x200 || kd[0x211]&0x01 == 0 {
		realAddr, cmdlineAddr = 0x90000, 0x9a000
	}
	if protocol >= 0x200 {
		kd[0x210] = 0xb0 // type_of_loader: QEMU
	}
	if protocol >= 0x201 {
		kd[0x211] |= 0x80 // loadflags: CAN_USE_HEAP
		le.PutUint32(kd[0x224:], satSub(satSub(cmdlineAddr, realAddr), 0x200))
	}
	if protocol >= 0x202 {
		le.PutUint32(kd[0x228:], cmdlineAddr)
	} else {
		le.PutUint16(kd[0x20:], 0xa33f)
		le.PutUint16(kd[0x22:], uint16(satSub(cmdlineAddr, realAddr)))
	}
	if initrdSize == 0 {
		return kd, nil
	}
	if protocol < 0x200 {
		return nil, fmt.Errorf("patching the kernel: boot protocol %#x is too old for an initrd", protocol)
	}
	initrdMax := uint32(0x37ffffff)
	switch {
	case protocol >= 0x20c:
		if le.Uint16(kd[0x236:])&0x40 != 0 { // XLF_CAN_BE_LOADED_ABOVE_4G
			initrdMax = 0xffffffff
		}
	case protocol >= 0x203:
		if m := le.Uint32(kd[0x22c:]); m != 0 {
			initrdMax = m
		}
	}
	lowmem := lowMemTop
	if memSize < KernelHashStableMinMemory {
		lowmem = KernelHashStableMinMemory
	}
	below4g := uint32(memSize)
	if memSize >= lowmem {
		below4g = uint32(lowmem)
	}
	if below4g < qemuACPIDataSize {
		return nil, fmt.Errorf("patching the kernel: %d bytes of memory leave no room for QEMU's ACPI data", memSize)
	}
	if avail := below4g - qemuACPIDataSize; initrdMax >= avail {
		initrdMax = satSub(avail, 1)
	}
	if initrdSize >= initrdMax {
		return nil, fmt.Errorf("patching the kernel: the %d-byte initrd does not fit below %#x", initrdSize, initrdMax)
	}
	le.PutUint32(kd[0x218:], (initrdMax-initrdSize)&^4095)
	le.PutUint32(kd[0x21c:], initrdSize)
	return kd, nil
}

func satSub(a, b uint32) uint32 {
	if a < b {
		return 0
	}
	return a - b
}

// KernelAuthenticode returns RTMR1's first digest: the Authenticode SHA-384 of the bzImage kernel as QEMU
// patches it for a VM of memSize bytes whose initrd is initrdSize bytes.
func KernelAuthenticode(kernel []byte, initrdSize int, memSize uint64) ([48]byte, error) {
	var out [48]byte
	if initrdSize < 0 || uint64(initrdSize) > 0xffffffff {
		return out, fmt.Errorf("measuring the kernel: the initrd's size %d does not fit QEMU's 32-bit field", initrdSize)
	}
	kd, err := patchKernel(kernel, uint32(initrdSize), memSize)
	if err != nil {
		return out, fmt.Errorf("measuring the kernel: %w", err)
	}
	h := sha512.New384()
	if err := authenticodeHash(h, kd); err != nil {
		return out, fmt.Errorf("measuring the kernel: %w", err)
	}
	h.Sum(out[:0])
	return out, nil
}

// MeasuredCmdline is the command line the kernel measures for an image's metadata.json cmdline: OVMF's QEMU
// kernel loader appends " initrd=initrd".
func MeasuredCmdline(cmdline string) string { return cmdline + " initrd=initrd" }

// CmdlineDigest is RTMR2's first digest for the measured command line: SHA-384 of its UTF-16LE encoding and a
// UTF-16 NUL.
func CmdlineDigest(measured string) [48]byte { return sha384(append(utf16LE(measured), 0, 0)) }
