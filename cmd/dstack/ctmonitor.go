package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/dstack-go/dstack/internal/ctmonitor"
)

type ctFlags struct {
	verify       verifyFlags // attestation options and the acme-info source and policy
	baseDomain   string
	logs         []string
	state        string
	interval     time.Duration
	fromStart    bool
	once         bool
	webhook      string
	insecureHTTP bool
	metrics      string
	batch        int
	grace        time.Duration
}

func init() {
	var f ctFlags
	cmd := &cobra.Command{
		Use:   "ct-monitor --base-domain DOMAIN --log URL=KEY --acme-info URL|FILE (--gateway-app-id ID | --kms-contract ADDR --rpc URL --chain-id N) --state DIR",
		Short: "Watch Certificate Transparency logs for certificates whose keys the gateway did not attest",
		Long: `Follow RFC 6962 Certificate Transparency logs (each --log URL=KEY, KEY the log's public key, base64 DER)
and alert on every certificate or precertificate for the base domain or a name under it whose key is not in
the gateway's attested key history (--acme-info, checked as verify --acme-info checks it: each key counts
only if its evidence verifies, binds it and proves the gateway app: --gateway-app-id, or the one the KMS contract
--kms-contract names on the chain at --rpc (gatewayAppId(), read at every poll: a poll fails when the chain
cannot be read, and when it names another gateway than a --gateway-app-id given too).

A tree head inconsistent with the last one accepted is an alert too. Alerts are logged at error and posted
as JSON to --webhook; --metrics ADDR serves dstack_ct_alerts_total and dstack_ct_poll_errors_total. Where
each log was read to is kept in --state, so an alert is raised once. A log that cannot be read is an error of
the poll, never a silent pass.

--once polls once and exits: 0 when nothing was found, 1 on an alert or a failed poll.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCTMonitor(cmd.Context(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.baseDomain, "base-domain", "", "the domain watched, with every name under it")
	fl.StringArrayVar(&f.logs, "log", nil, "a log to follow: URL=KEY (KEY: its public key, base64 DER); repeatable")
	fl.StringVar(&f.verify.acme.source, "acme-info", "", "the gateway's acme-info: URL or FILE")
	fl.StringVar(&f.verify.acme.gatewayAppID, "gateway-app-id", "", "the gateway's app id (hex), whose TD must have attested every key")
	f.verify.acme.addChainFlags(fl)
	fl.StringVar(&f.verify.acme.appID, "app-id", "", "for an app serving its own domain: the app's id (hex), whose TD must have attested every key (instead of --gateway-app-id)")
	fl.StringSliceVar(&f.verify.acme.tcbStatus, "tcb-status", []string{"UpToDate"}, "the TCB statuses accepted in the keys' evidence")
	fl.StringVar(&f.verify.acme.cacert, "cacert", "", "PEM roots for an https --acme-info instead of the system's")
	fl.BoolVar(&f.verify.acme.allowUnbound, "insecure-allow-unbound-os-image", false, "accept keys attested by a TD whose os_image_hash is not bound")
	fl.StringVar(&f.verify.pccs, "pccs", "", "fetch TDX collateral from this PCS/PCCS base URL")
	fl.StringVar(&f.verify.collateralDir, "collateral", "", "read TDX collateral from this directory")
	fl.StringVar(&f.verify.insecureRoots, "insecure-trust-roots", "", "PEM file of roots that REPLACE the vendors' (mock PKI evidence only)")
	fl.StringVar(&f.state, "state", "", "directory keeping where each log was read to")
	fl.DurationVar(&f.interval, "interval", ctmonitor.DefaultInterval, "time between polls")
	fl.BoolVar(&f.fromStart, "from-start", false, "read a log never read before from its first entry (default: from its tree head)")
	fl.BoolVar(&f.once, "once", false, "poll once and exit: 1 on an alert or a failed poll")
	fl.StringVar(&f.webhook, "webhook", "", "post each alert as JSON to this https URL")
	fl.BoolVar(&f.insecureHTTP, "insecure-webhook-http", false, "allow an http --webhook")
	fl.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics")
	fl.IntVar(&f.batch, "batch-size", ctmonitor.DefaultBatchSize, "the most entries asked of a log at once")
	fl.DurationVar(&f.grace, "grace", 0, "how long after a log timestamped a certificate its key may still be unattested (the CA logs it before the gateway holds it) before it is an alert; 0: alert at once")
	rootCmd.AddCommand(cmd)
}

func parseLogFlag(s string) (ctmonitor.LogConfig, error) {
	i := strings.Index(s, "=")
	if i < 0 {
		return ctmonitor.LogConfig{}, fmt.Errorf("--log %q: want URL=KEY, KEY the log's public key in base64 DER", s)
	}
	key, err := base64.StdEncoding.DecodeString(s[i+1:])
	if err != nil || len(key) == 0 {
		return ctmonitor.LogConfig{}, fmt.Errorf("--log %q: the key is not base64 DER: %v", s, err)
	}
	return ctmonitor.LogConfig{URL: s[:i], PublicKey: key}, nil
}

func runCTMonitor(ctx context.Context, stderr io.Writer, f ctFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	switch {
	case f.baseDomain == "":
		return usageErr(errors.New("--base-domain is required"))
	case f.verify.acme.source == "":
		return usageErr(errors.New("--acme-info is required: the gateway's attested keys are what certificates are judged by"))
	case f.state == "":
		return usageErr(errors.New("--state DIR is required: it keeps where each log was read to, so that an alert is raised once"))
	}
	opts, err := f.verify.options(stderr)
	if err != nil {
		return usageErr(err)
	}
	policy, err := f.verify.acme.policy(ctx)
	if err != nil {
		return err
	}
	logger := zap.New(zapCoreTo(stderr))
	defer logger.Sync()
	var logs []ctmonitor.LogConfig
	for _, s := range f.logs {
		l, err := parseLogFlag(s)
		if err != nil {
			return usageErr(err)
		}
		logs = append(logs, l)
	}
	var alerts atomic.Int64
	var hook func(context.Context, ctmonitor.Alert)
	if f.webhook != "" {
		if err := ctmonitor.CheckWebhook(f.webhook, f.insecureHTTP); err != nil {
			return usageErr(fmt.Errorf("--webhook: %w (--insecure-webhook-http allows http)", err))
		}
		if strings.HasPrefix(f.webhook, "http:") {
			logger.Warn(ctmonitor.WebhookWarning, zap.String("webhook", f.webhook))
		}
		hook = (&ctmonitor.Webhook{URL: f.webhook, Logger: logger}).Send
	}
	if f.verify.acme.allowUnbound {
		logger.Warn("INSECURE: keys attested by a TD whose OS image is not bound are trusted")
	}
	reg := prometheus.NewRegistry()
	m, err := ctmonitor.New(ctmonitor.Config{
		BaseDomain: f.baseDomain, Logs: logs, FromStart: f.fromStart, BatchSize: f.batch, Grace: f.grace,
		Known: ctmonitor.AttestedKeys(f.verify.acme.read, opts, policy, logger),
		State: ctmonitor.DirStore(f.state), Logger: logger, Registerer: reg,
		Alert: func(ctx context.Context, a ctmonitor.Alert) {
			alerts.Add(1)
			if hook != nil {
				hook(ctx, a)
			}
		},
	})
	if err != nil {
		return usageErr(err)
	}
	if f.metrics != "" {
		ln, err := net.Listen("tcp", f.metrics)
		if err != nil {
			return usageErr(fmt.Errorf("--metrics: %w", err))
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		logger.Info("serving metrics", zap.String("url", "http://"+ln.Addr().String()+"/metrics"))
	}
	if f.once {
		err := m.Poll(ctx)
		if n := alerts.Load(); n > 0 || err != nil {
			return &exitError{code: 1, err: fmt.Errorf("%d alert(s); poll errors: %v", n, err)}
		}
		return nil
	}
	m.Run(ctx, f.interval)
	return nil
}

// zapCoreTo logs JSON lines at info and above to w.
func zapCoreTo(w io.Writer) zapcore.Core {
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	return zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.AddSync(w), zapcore.InfoLevel)
}
