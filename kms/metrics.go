package kms

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the KMS's Prometheus counters, upstream's names included.
type metrics struct {
	registry            *prometheus.Registry
	attestationRequests prometheus.Counter
	attestationFailures prometheus.Counter
	keyReleases         *prometheus.CounterVec
	refusals            *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		attestationRequests: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dstack_kms_attestation_requests_total", Help: "Requests that carried evidence to verify.",
		}),
		attestationFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dstack_kms_attestation_failures_total", Help: "Requests whose evidence did not verify.",
		}),
		keyReleases: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dstack_kms_key_releases_total", Help: "Keys or certificates released, by method.",
		}, []string{"method"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dstack_kms_authorization_refusals_total", Help: "Attested callers the authorizer refused, by method.",
		}, []string{"method"}),
	}
	m.registry.MustRegister(m.attestationRequests, m.attestationFailures, m.keyReleases, m.refusals)
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
