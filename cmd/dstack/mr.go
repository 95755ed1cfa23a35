package main

import "github.com/spf13/cobra"

// mrCmd groups the commands about TDX measurement registers; each sub-command lives in an mr_*.go file.
var mrCmd = &cobra.Command{
	Use:   "mr",
	Short: "Compute and check the measurement registers an OS image implies",
}

func init() { rootCmd.AddCommand(mrCmd) }
