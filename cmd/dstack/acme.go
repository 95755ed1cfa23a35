package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// acme: the gateway's ACME accounts through Caddy's admin API
// (admin.api.dstack_acme).
func init() {
	var admin, baseDomain string
	acme := &cobra.Command{
		Use:   "acme",
		Short: "Show or rotate the gateway's ACME accounts pinned in CAA",
	}
	acme.PersistentFlags().StringVar(&admin, "admin", "localhost:2019",
		"Caddy's admin API: host:port, or unix/<socket path>")
	show := &cobra.Command{
		Use:   "show",
		Short: "Print each dstack_acme issuer's account URI and whether CAA pins it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return adminRequest(cmd.Context(), cmd.OutOrStdout(), admin, http.MethodGet, "/dstack/acme")
		},
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Register a new ACME account, pin it in CAA, and deactivate the old one",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := "/dstack/acme/rotate"
			if baseDomain != "" {
				path += "?base_domain=" + url.QueryEscape(baseDomain)
			}
			return adminRequest(cmd.Context(), cmd.OutOrStdout(), admin, http.MethodPost, path)
		},
	}
	rotate.Flags().StringVar(&baseDomain, "base-domain", "", "rotate only the issuer of this base domain (default: every one)")
	acme.AddCommand(show, rotate)
	rootCmd.AddCommand(acme)
}

// adminRequest calls Caddy's admin API at admin and copies the JSON answer
// to out.
func adminRequest(ctx context.Context, out io.Writer, admin, method, path string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	tr := &http.Transport{}
	host := admin
	if sock, ok := strings.CutPrefix(admin, "unix/"); ok {
		host = "admin"
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+host+path, nil)
	if err != nil {
		return usageErr(fmt.Errorf("calling the admin API at %s: %w", admin, err))
	}
	res, err := (&http.Client{Transport: tr, Timeout: 5 * time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("calling the admin API at %s: %w", admin, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading the admin API's answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return &exitError{code: 1, err: fmt.Errorf("%s %s: HTTP %d: %s", method, path, res.StatusCode, strings.TrimSpace(string(body)))}
	}
	if len(body) == 0 {
		return errors.New("the admin API answered nothing")
	}
	_, err = out.Write(body)
	return err
}
