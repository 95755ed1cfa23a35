// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"testing"

	"github.com/dstack-go/dstack/tee/measure/measuretest"
)

type synthSection = measuretest.Section

var synthFirmwareSections = measuretest.OVMFSections

const (
	synthDescOffset = measuretest.DescriptorStart
	synthCmdline    = measuretest.Cmdline
)

func synthFirmware(_ testing.TB, sections []synthSection) []byte {
	return measuretest.Firmware(sections)
}

func synthKernel(t testing.TB, size int, certSize uint32) []byte {
	t.Helper()
	k, err := measuretest.Kernel(size, certSize)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// synthImageDir writes a synthetic OS image directory (upstream's file names) and returns it with its
// metadata, not yet given its identity files.
func synthImageDir(t testing.TB) (string, ImageMetadata) {
	t.Helper()
	dir := t.TempDir()
	if err := measuretest.WriteBootFiles(dir); err != nil {
		t.Fatal(err)
	}
	return dir, ImageMetadata{
		BIOS:        measuretest.FirmwareFile,
		Kernel:      measuretest.KernelFile,
		Cmdline:     synthCmdline,
		Initrd:      measuretest.InitrdFile,
		Rootfs:      "rootfs.img.parted.verity",
		Version:     "0.6.0",
		GitRevision: "0123456789abcdef0123456789abcdef01234567",
		SharedRO:    true,
	}
}
