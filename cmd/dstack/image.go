package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/dstack-go/dstack/guestos/image"
)

func init() {
	imageCmd := &cobra.Command{
		Use:   "image",
		Short: "Build the guest OS image",
	}
	var (
		opts      image.Options
		insecure  bool
		sourceDir string
	)
	build := &cobra.Command{
		Use:   "build --out DIR [--debug] [--kernel-deb FILE]",
		Short: "Build the guest OS image (kernel, initramfs, firmware, metadata.json, sha256sum.txt) into DIR",
		Long: `Build the guest OS image into DIR, which must not exist or be empty.

The kernel and the firmware are Debian packages pinned by version and SHA-256
(fetched with apt-get into the user cache directory, or given with
--kernel-deb and --ovmf-deb); /init is dstack-init, built from the source of
this repository. Two builds of the same commit give the same bytes. The
initramfs files' time stamps are SOURCE_DATE_EPOCH (0 when unset).

--debug adds u-root's shell and marks the image is_dev, so it measures
differently; --insecure-simulated-tee (only with --debug) lets dstack-init run
on a simulated TEE.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Out == "" {
				return usageErr(fmt.Errorf("image build: --out is required"))
			}
			if insecure && !opts.Debug {
				return usageErr(fmt.Errorf("image build: --insecure-simulated-tee needs --debug"))
			}
			opts.InsecureSimulatedTEE = insecure
			opts.SourceDir = sourceDir
			if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 0 {
					return usageErr(fmt.Errorf("image build: SOURCE_DATE_EPOCH=%q is not a number of seconds", v))
				}
				opts.SourceDateEpoch = n
			}
			if insecure {
				fmt.Fprintln(cmd.ErrOrStderr(), "WARNING: --insecure-simulated-tee: this image lets dstack-init run on a simulated TEE; never deploy it")
			}
			for _, o := range opts.AcceptMissing {
				fmt.Fprintf(cmd.ErrOrStderr(), "WARNING: accepting a kernel without CONFIG_%s: the image cannot run on a TDX host\n", o)
			}
			opts.Log = cmd.ErrOrStderr()
			res, err := image.Build(cmd.Context(), opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "image:          %s\n", res.Dir)
			fmt.Fprintf(out, "kernel:         %s, %d bytes\n", res.KernelRelease, res.KernelSize)
			fmt.Fprintf(out, "initramfs:      %d bytes, %d modules\n", res.InitrdSize, len(res.Modules))
			fmt.Fprintf(out, "kernel+initrd:  %d bytes\n", res.KernelSize+res.InitrdSize)
			fmt.Fprintf(out, "os_image_hash:  %x\n", res.OSImageHash)
			if !res.Measured {
				fmt.Fprintf(out, "                (without %s: not the hash a verifier binds)\n", image.MeasurementFile)
			}
			fmt.Fprintf(out, "build time:     %s\n", res.Duration.Round(100*1e6))
			return nil
		},
	}
	f := build.Flags()
	f.StringVar(&opts.Out, "out", "", "directory to write the image to (must not exist or be empty)")
	f.BoolVar(&opts.Debug, "debug", false, "add u-root's shell; the image is is_dev and measures differently")
	f.BoolVar(&insecure, "insecure-simulated-tee", false, "let dstack-init run on a simulated TEE (debug images only)")
	f.StringVar(&opts.KernelDeb, "kernel-deb", "", "use this kernel .deb (it must have the pinned SHA-256) instead of fetching it")
	f.StringVar(&opts.Firmware, "firmware", "", "ship this TDX firmware (TDVF, e.g. upstream's pinned build) as ovmf.fd instead of Debian's OVMF")
	f.StringVar(&opts.OVMFDeb, "ovmf-deb", "", "use this ovmf .deb (it must have the pinned SHA-256) instead of fetching it")
	f.StringSliceVar(&opts.AcceptMissing, "accept-missing-kernel-option", nil, "accept a kernel without this TDX option (TCG-only images; recorded in metadata.json)")
	f.StringVar(&opts.CacheDir, "cache", "", "where fetched packages are kept (default: dstack/image in the user cache directory)")
	f.StringVar(&sourceDir, "source", "", "the dstack repository to build dstack-init from (default: the one containing the working directory)")
	f.StringVar(&opts.Version, "version", "", "the image version in metadata.json (default "+image.DefaultVersion+")")
	imageCmd.AddCommand(build)
	rootCmd.AddCommand(imageCmd)
}
