package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/tee/measure"
)

type mrMeasureFlags struct {
	image       string
	cpus        uint32
	memory      string
	qemuVersion string
	twoPass     string
	acpi        [3]string
	json        bool
}

func init() {
	var f mrMeasureFlags
	cmd := &cobra.Command{
		Use:   "measure --image DIR",
		Short: "Print the TDX registers and the os_image_hash of an OS image directory",
		Long: `Compute, from an OS image directory (metadata.json and the firmware, kernel and initrd it names), the
MRTD and RTMR1–2 a TD of the given shape booted from it shows, as upstream's dstack-mr measure does, and
its os_image_hash (SHA-256 of its sha256sum.txt).

RTMR0 also measures the ACPI tables QEMU builds for the VM, which only the VM's own event log tells: pass
the digests of its acpi-loader, acpi-rsdp and acpi-tables events (hex SHA-384) to get RTMR0 too.

When the directory has a sha256sum.txt, every file it lists must have the listed digest and its
measurement.tdx.cbor must be the one the image gives; otherwise the command fails, since the os_image_hash
would name something else than what boots.

Exit status: 0 measured, 1 the image's identity files contradict it, 2 unusable input or flags.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMrMeasure(cmd.OutOrStdout(), f)
		},
	}
	cmd.Flags().StringVar(&f.image, "image", "", "the OS image directory (required)")
	cmd.Flags().Uint32Var(&f.cpus, "cpus", 1, "number of vCPUs (shapes the ACPI tables only)")
	cmd.Flags().StringVar(&f.memory, "memory", "2G", "guest memory: bytes, or with a unit (512M, 2G, 4GiB)")
	cmd.Flags().StringVar(&f.qemuVersion, "qemu-version", "", "QEMU version major.minor.patch (default 9.1.0; 8.x adds pages in two passes)")
	cmd.Flags().StringVar(&f.twoPass, "two-pass-add-pages", "", "true or false: override the QEMU version's page-add order")
	cmd.Flags().StringVar(&f.acpi[0], "acpi-loader", "", "SHA-384 of the acpi-loader event (hex), for RTMR0")
	cmd.Flags().StringVar(&f.acpi[1], "acpi-rsdp", "", "SHA-384 of the acpi-rsdp event (hex), for RTMR0")
	cmd.Flags().StringVar(&f.acpi[2], "acpi-tables", "", "SHA-384 of the acpi-tables event (hex), for RTMR0")
	cmd.Flags().BoolVar(&f.json, "json", false, "print JSON")
	mrCmd.AddCommand(cmd)
}

// mrMeasurement is the JSON mr measure prints: upstream dstack-mr's fields (hex), and the os_image_hash.
type mrMeasurement struct {
	OSImageHash string `json:"os_image_hash,omitempty"`
	MRTD        string `json:"mrtd"`
	RTMR0       string `json:"rtmr0,omitempty"`
	RTMR1       string `json:"rtmr1"`
	RTMR2       string `json:"rtmr2"`
	MemorySize  uint64 `json:"memory_size"`
	QEMUVersion string `json:"qemu_version"`
	TwoPassAdd  bool   `json:"two_pass_add_pages"`
}

func runMrMeasure(w io.Writer, f mrMeasureFlags) error {
	if f.image == "" {
		return usageErr(errors.New("mr measure needs --image DIR"))
	}
	mem, err := units.RAMInBytes(f.memory)
	if err != nil || mem <= 0 {
		return usageErr(fmt.Errorf("--memory %q is not a memory size (bytes, or 512M, 2G, 4GiB)", f.memory))
	}
	shape := measure.VMShape{CPUCount: f.cpus, MemorySize: uint64(mem), QEMUVersion: f.qemuVersion, NumNICs: 1}
	switch f.twoPass {
	case "":
	case "true", "false":
		v := f.twoPass == "true"
		shape.QEMUSinglePassAddPages = &v // as upstream's vm_config field, true selects the two-pass order
	default:
		return usageErr(fmt.Errorf("--two-pass-add-pages %q is neither true nor false", f.twoPass))
	}
	opts, err := shape.QEMUOptions()
	if err != nil {
		return usageErr(err)
	}
	acpi, haveACPI, err := parseACPIFlags(f.acpi)
	if err != nil {
		return usageErr(err)
	}
	im, err := measure.ReadImage(f.image)
	if err != nil {
		return usageErr(err)
	}
	exp, err := im.Expected(shape, acpi)
	if err != nil {
		return usageErr(err)
	}
	out := mrMeasurement{
		MRTD: hex.EncodeToString(exp.MRTD[:]), RTMR1: hex.EncodeToString(exp.RTMR1[:]), RTMR2: hex.EncodeToString(exp.RTMR2[:]),
		MemorySize: shape.MemorySize, QEMUVersion: opts.VersionText, TwoPassAdd: opts.TwoPassAdd,
	}
	if haveACPI {
		out.RTMR0 = hex.EncodeToString(exp.RTMR0[:])
	}
	switch hash, err := im.OSImageHash(); {
	case err == nil:
		out.OSImageHash = hex.EncodeToString(hash[:])
	case !errors.Is(err, measure.ErrNoIdentity):
		return &exitError{code: 1, err: err}
	}
	if f.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	order := "single-pass"
	if opts.TwoPassAdd {
		order = "two-pass"
	}
	fmt.Fprintf(w, "memory %d bytes, QEMU %s (%s page adding)\n", shape.MemorySize, opts.VersionText, order)
	if out.OSImageHash != "" {
		fmt.Fprintf(w, "os_image_hash  %s\n", out.OSImageHash)
	} else {
		fmt.Fprintf(w, "os_image_hash  (none: the directory has no %s)\n", measure.ChecksumFile)
	}
	fmt.Fprintf(w, "MRTD           %s\n", out.MRTD)
	if haveACPI {
		fmt.Fprintf(w, "RTMR0          %s\n", out.RTMR0)
	} else {
		fmt.Fprintln(w, "RTMR0          (needs --acpi-loader, --acpi-rsdp and --acpi-tables from the VM's event log)")
	}
	fmt.Fprintf(w, "RTMR1          %s\n", out.RTMR1)
	fmt.Fprintf(w, "RTMR2          %s\n", out.RTMR2)
	return nil
}

// parseACPIFlags reads the three ACPI digests: all or none.
func parseACPIFlags(flags [3]string) (measure.ACPIDigests, bool, error) {
	var d measure.ACPIDigests
	dst := [3]*[48]byte{&d.Loader, &d.RSDP, &d.Tables}
	names := [3]string{"--acpi-loader", "--acpi-rsdp", "--acpi-tables"}
	n := 0
	for i, v := range flags {
		if v == "" {
			continue
		}
		n++
		b, err := hex.DecodeString(v)
		if err != nil || len(b) != 48 {
			return d, false, fmt.Errorf("%s is not 96 hex digits (a SHA-384)", names[i])
		}
		copy(dst[i][:], b)
	}
	if n != 0 && n != 3 {
		return d, false, errors.New("give all three of --acpi-loader, --acpi-rsdp and --acpi-tables, or none")
	}
	return d, n == 3, nil
}
