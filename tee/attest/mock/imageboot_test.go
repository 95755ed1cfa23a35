package mock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/tee/attest"
	"github.com/dstack-go/dstack/tee/attest/mock"
	"github.com/dstack-go/dstack/tee/attest/tdx"
	"github.com/dstack-go/dstack/tee/eventlog"
	"github.com/dstack-go/dstack/tee/identity"
	"github.com/dstack-go/dstack/tee/measure"
	"github.com/dstack-go/dstack/tee/measure/measuretest"
	"github.com/dstack-go/dstack/tee/measure/measuretest/imagedir"
	"github.com/dstack-go/dstack/tee/wire"
)

// attestImageBoot boots a TD of booted with vm_config cfg on pki and returns its evidence.
func attestImageBoot(t *testing.T, pki *mock.PKI, booted *measure.Image, cfg string) *wire.Attestation {
	t.Helper()
	td, err := pki.BootTD(mock.Identity{AppID: bytes.Repeat([]byte{1}, 20), BootedImage: booted, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	a, err := td.Attester().Attest(context.Background(), [64]byte{5})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// imageShapes are VMs whose registers differ: the lite document's 2 GiB, 1 GiB (which only the full image
// serves, the kernel patched for that size), QEMU 8 (two-pass MRTD) with 4 GiB, and more devices (other ACPI
// tables).
var imageShapes = map[string]func(*identity.VMConfig){
	"2G":        func(*identity.VMConfig) {},
	"1G":        func(c *identity.VMConfig) { c.MemorySize = 1 << 30 },
	"qemu8 4G":  func(c *identity.VMConfig) { c.QEMUVersion, c.MemorySize = "8.2.2", 4<<30 },
	"4 cpus 2G": func(c *identity.VMConfig) { c.CPUCount, c.NumGPUs, c.HotplugOff = 4, 1, true },
}

// checkImageBoot boots a simulated TD of im in each shape and checks that its signed quote shows the
// registers Image.Expected computes for the shape, that its boot event log replays to them, and that its
// evidence binds the image's os_image_hash: offline from the document its vm_config carries where the lite
// measurement serves the memory size, and always against the image directory.
func checkImageBoot(t *testing.T, im *measure.Image) {
	hash, err := im.OSImageHash()
	if err != nil {
		t.Fatal(err)
	}
	pki, err := mock.NewPKI([]byte("image boot"))
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range imageShapes {
		t.Run(name, func(t *testing.T) {
			vm := mock.DevImageVMShape
			change(&vm)
			cfg, err := mock.ImageVMConfig(im, vm)
			if err != nil {
				t.Fatal(err)
			}
			a := attestImageBoot(t, pki, im, cfg)
			q, err := tdx.Parse(a.TDX.Quote)
			if err != nil {
				t.Fatal(err)
			}
			acpi, err := measure.ACPIDigestsFromLog(a.TDX.EventLog)
			if err != nil {
				t.Fatal(err)
			}
			exp, err := im.Expected(measure.ShapeOf(&vm), acpi)
			if err != nil {
				t.Fatal(err)
			}
			if quoted := (measure.Registers{MRTD: q.MRTD, RTMR0: q.RTMR[0], RTMR1: q.RTMR[1], RTMR2: q.RTMR[2]}); quoted != exp.Registers {
				t.Fatalf("the quote's registers are not Image.Expected's for the shape:\nquote %x\nimage %x", quoted, exp.Registers)
			}
			for imr := uint32(0); imr < 3; imr++ {
				if got, err := eventlog.ReplayIMR(a.TDX.EventLog, imr); err != nil || got != q.RTMR[imr] {
					t.Errorf("the boot log's RTMR%d events replay to %x (%v), the quote has %x", imr, got, err, q.RTMR[imr])
				}
			}
			c, err := identity.ParseVMConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			lite := c.TDXAttestationVariant == measure.VariantLite
			if wantLite := vm.MemorySize != 1<<30; lite != wantLite {
				t.Fatalf("vm_config variant %q for %d bytes of RAM", c.TDXAttestationVariant, vm.MemorySize)
			}
			opts := pki.VerifyOptions()
			v, err := attest.Verify(context.Background(), a, opts)
			if err != nil || v.OSImageVerified != lite || !bytes.Equal(v.OSImageHash, hash[:]) {
				t.Fatalf("offline: verified %v, err %v", v != nil && v.OSImageVerified, err)
			}
			opts.OSImage = im
			if v, err = attest.Verify(context.Background(), a, opts); err != nil || !v.OSImageVerified {
				t.Fatalf("against the image directory: %v", err)
			}
		})
	}
}

// TestImageBootGivesTheImageRegisters: a synthetic image directory gives the same registers as a boot of it in
// the simulated TD, in every VM shape; so does the real image in DSTACK_TEST_IMAGE_DIR (dstack image build
// --out DIR), when it is set.
func TestImageBootGivesTheImageRegisters(t *testing.T) {
	_, im := imagedir.Write(t, "")
	checkImageBoot(t, im)
	t.Run("real image", func(t *testing.T) {
		dir := os.Getenv("DSTACK_TEST_IMAGE_DIR")
		if dir == "" {
			t.Skip("set DSTACK_TEST_IMAGE_DIR to an image directory built with dstack image build --out DIR")
		}
		im, err := measure.ReadImage(dir)
		if err != nil {
			t.Fatal(err)
		}
		checkImageBoot(t, im)
	})
}

// TestImageBootOfAnotherImage: a TD that boots an image whose measured bytes differ from those of the image it
// claims is refused by a verifier given the claimed image, with the register that measures the change named:
// the firmware's measured volume in MRTD, the kernel in RTMR1, the initrd and the command line in RTMR2.
func TestImageBootOfAnotherImage(t *testing.T) {
	_, claimed := imagedir.Write(t, "")
	hash, err := claimed.OSImageHash()
	if err != nil {
		t.Fatal(err)
	}
	pki, err := mock.NewPKI([]byte("image boot"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mock.ImageVMConfig(claimed, mock.DevImageVMShape)
	if err != nil {
		t.Fatal(err)
	}
	bfv := measuretest.OVMFSections[0]
	for _, c := range []struct {
		register string
		change   func(*measure.Image)
	}{
		{"MRTD", func(im *measure.Image) { im.Firmware[bfv.DataOffset+bfv.RawDataSize/2] ^= 0x10 }},
		{"RTMR1", func(im *measure.Image) { im.Kernel[0x1800] ^= 1 }},
		{"RTMR2", func(im *measure.Image) { im.Initrd[len(im.Initrd)/3] ^= 0x80 }},
		{"RTMR2", func(im *measure.Image) { im.Metadata.Cmdline += " init=/bin/sh" }},
	} {
		_, booted := imagedir.Write(t, "")
		c.change(booted)
		a := attestImageBoot(t, pki, booted, cfg)
		opts := pki.VerifyOptions()
		opts.OSImage = claimed
		_, err = attest.Verify(context.Background(), a, opts)
		var me *measure.MismatchError
		if !errors.As(err, &me) || me.Register != c.register || !bytes.Equal(me.OSImageHash, hash[:]) {
			t.Errorf("a TD that booted a changed image (%s) while claiming %x: %v", c.register, hash, err)
			continue
		}
		if c.register != "MRTD" && (me.Event == nil || me.Event.Status() != "mismatch" || !me.LogReplays) {
			t.Errorf("%s: no diverging event named: %v", c.register, err)
		}
		// The lite document the vm_config carries refuses it too, with the same register.
		opts.OSImage = nil
		if _, err = attest.Verify(context.Background(), a, opts); !errors.As(err, &me) || me.Register != c.register {
			t.Errorf("lite, %s: %v", c.register, err)
		}
	}
}

// TestImageShapeFieldsThatFeedRegisters: evidence of a TD booted from an image directory whose vm_config
// claims another value of a VM-shape field that feeds a register is refused by a verifier given the image,
// with that register named (or the value refused); the fields that only shape the ACPI tables, which the
// event log carries as measured, leave the binding as it is.
func TestImageShapeFieldsThatFeedRegisters(t *testing.T) {
	_, im := imagedir.Write(t, "")
	pki, err := mock.NewPKI([]byte("image shape"))
	if err != nil {
		t.Fatal(err)
	}
	vm := mock.DevImageVMShape
	vm.MemorySize = 1 << 30 // below the lite document's sizes: the kernel is patched for exactly this size
	cfg, err := mock.ImageVMConfig(im, vm)
	if err != nil {
		t.Fatal(err)
	}
	a := attestImageBoot(t, pki, im, cfg)
	opts := pki.VerifyOptions()
	opts.OSImage = im
	if v, err := attest.Verify(context.Background(), a, opts); err != nil || !v.OSImageVerified {
		t.Fatalf("the TD's own vm_config: %v", err)
	}
	for _, c := range []struct {
		field            string
		value            any
		register, refuse string
	}{
		{"memory_size", 1<<30 + 4096, "RTMR0", ""},
		{"memory_size", 2 << 30, "RTMR0", ""},
		{"memory_size", 8 << 30, "RTMR0", ""},
		{"qemu_version", "8.2.2", "MRTD", ""},
		{"qemu_version", "7.2.0", "", "not supported"},
		{"qemu_single_pass_add_pages", true, "MRTD", ""},
		{"ovmf_variant", "post202505", "", "ovmf_variant"},
		{"cpu_count", 8, "", ""},
		{"num_gpus", 2, "", ""},
		{"hotplug_off", true, "", ""},
	} {
		var m map[string]any
		if err := json.Unmarshal([]byte(cfg), &m); err != nil {
			t.Fatal(err)
		}
		m[c.field] = c.value
		b, _ := json.Marshal(m)
		lying := *a
		lying.Config = string(b)
		v, err := attest.Verify(context.Background(), &lying, opts)
		var me *measure.MismatchError
		switch {
		case c.register != "":
			if !errors.As(err, &me) || me.Register != c.register {
				t.Errorf("%s %v: %v; want %s named", c.field, c.value, err, c.register)
			}
		case c.refuse != "":
			if err == nil || !strings.Contains(err.Error(), c.refuse) {
				t.Errorf("%s %v: %v; want %q", c.field, c.value, err, c.refuse)
			}
		default:
			if err != nil || !v.OSImageVerified {
				t.Errorf("%s %v (shapes only the ACPI tables): %v", c.field, c.value, err)
			}
		}
	}
}

// TestBootJSONRoundTrip: a host's measurement of an image's boot, handed to a guest as JSON, boots a TD with
// the same registers and event log (RTMR0–2 replayed from the log), whose evidence binds the image; a
// malformed measurement is refused.
func TestBootJSONRoundTrip(t *testing.T) {
	_, im := imagedir.Write(t, "")
	b, err := mock.MeasureImageBoot(im, measure.ShapeOf(&mock.DevImageVMShape))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var got mock.Boot
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.MRTD != b.MRTD || got.RTMR != b.RTMR || len(got.Events) != len(b.Events) {
		t.Fatalf("round trip: MRTD %v, RTMR %v, %d events of %d", got.MRTD == b.MRTD, got.RTMR == b.RTMR, len(got.Events), len(b.Events))
	}
	pki, err := mock.NewPKI([]byte("boot json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mock.ImageVMConfig(im, mock.DevImageVMShape)
	if err != nil {
		t.Fatal(err)
	}
	td := pki.BootedTD(&got)
	td.Identity.Config = cfg
	a, err := td.Attester().Attest(context.Background(), [64]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	opts := pki.VerifyOptions()
	opts.OSImage = im
	if v, err := attest.Verify(context.Background(), a, opts); err != nil || !v.OSImageVerified {
		t.Fatalf("the TD booted from the JSON measurement: %v", err)
	}
	// A digest changed in transit changes the replayed register, and the binding refuses it.
	flipped := bytes.Clone(raw)
	at := bytes.Index(flipped, []byte(`"digest":"`)) + len(`"digest":"`)
	flipped[at] = "01"[(flipped[at]-'0'+1)%2]
	var changed mock.Boot
	if err := json.Unmarshal(flipped, &changed); err != nil || changed.RTMR == b.RTMR {
		t.Fatalf("a changed digest: %v, or replayed to the same registers", err)
	}
	td = pki.BootedTD(&changed)
	td.Identity.Config = cfg
	if a, err = td.Attester().Attest(context.Background(), [64]byte{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := attest.Verify(context.Background(), a, opts); err == nil {
		t.Fatal("a TD of a changed boot measurement bound the image")
	}
	for name, bad := range map[string]string{
		"short mrtd":   `{"mrtd":"00","event_log":[{"imr":0,"event_type":1,"digest":"` + strings.Repeat("00", 48) + `","event":"","event_payload":""}]}`,
		"RTMR3 event":  `{"mrtd":"` + strings.Repeat("00", 48) + `","event_log":[{"imr":3,"event_type":1,"digest":"` + strings.Repeat("00", 48) + `","event":"","event_payload":""}]}`,
		"short digest": `{"mrtd":"` + strings.Repeat("00", 48) + `","event_log":[{"imr":1,"event_type":1,"digest":"00","event":"","event_payload":""}]}`,
		"no events":    `{"mrtd":"` + strings.Repeat("00", 48) + `","event_log":[]}`,
		"not json":     `{"mrtd":`,
	} {
		if err := json.Unmarshal([]byte(bad), new(mock.Boot)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzBootJSON: a boot measurement in JSON either is refused or decodes to
// registers that are the replay of its event log, and encodes back to the
// same measurement.
func FuzzBootJSON(f *testing.F) {
	_, im := imagedir.Write(f, "")
	b, err := mock.MeasureImageBoot(im, measure.ShapeOf(&mock.DevImageVMShape))
	if err != nil {
		f.Fatal(err)
	}
	raw, _ := json.Marshal(b)
	f.Add(raw)
	f.Add([]byte(`{"mrtd":"` + strings.Repeat("ab", 48) + `","event_log":[{"imr":2,"event_type":6,"digest":"` + strings.Repeat("cd", 48) + `"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got mock.Boot
		if json.Unmarshal(data, &got) != nil {
			return
		}
		for imr := uint32(0); imr < 3; imr++ {
			if r, err := eventlog.ReplayIMR(got.Events, imr); err != nil || r != got.RTMR[imr] {
				t.Fatalf("RTMR%d %x is not the replay of the log (%x, %v)", imr, got.RTMR[imr], r, err)
			}
		}
		again, err := json.Marshal(&got)
		if err != nil {
			t.Fatal(err)
		}
		var round mock.Boot
		if err := json.Unmarshal(again, &round); err != nil || round.MRTD != got.MRTD || round.RTMR != got.RTMR {
			t.Fatalf("re-encoded measurement: %v", err)
		}
	})
}
