// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

// Package imagedir writes synthetic OS image directories, with the identity files an image build gives them
// (metadata.json, measurement.tdx.cbor, sha256sum.txt), from measuretest's boot files: for tests of what
// checks evidence against an image directory. It must never be used to build or accept a production image.
package imagedir

import (
	"testing"

	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/measure/measuretest"
)

// Write writes a synthetic OS image directory in a temporary directory of t, its kernel command line
// measuretest.Cmdline followed by cmdlineTail (so that two tails give two images), and reads it back.
func Write(t testing.TB, cmdlineTail string) (string, *measure.Image) {
	t.Helper()
	dir := t.TempDir()
	if err := measuretest.WriteBootFiles(dir); err != nil {
		t.Fatal(err)
	}
	meta := measure.ImageMetadata{BIOS: measuretest.FirmwareFile, Kernel: measuretest.KernelFile, Initrd: measuretest.InitrdFile,
		Cmdline: measuretest.Cmdline + cmdlineTail, Rootfs: "rootfs.img.parted.verity", Version: "0.6.0", SharedRO: true}
	if _, err := measure.WriteImageFiles(dir, meta); err != nil {
		t.Fatal(err)
	}
	im, err := measure.ReadImage(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, im
}
