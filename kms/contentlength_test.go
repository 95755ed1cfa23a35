package kms

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dstack-go/dstack/internal/prpc/prpctest"
)

// TestLargeAnswers: the KMS's RPCs and its onboarding service send answers
// of over 64 KB with Content-Length, as the SDKs' clients need.
func TestLargeAnswers(t *testing.T) {
	h := newHarness(t)
	prpctest.LargeAnswer(t, h.client(nil).HTTP, h.srv.URL+"/prpc/KMS.")
	onboard := httptest.NewServer((&OnboardService{Token: "s3cret"}).Handler())
	defer onboard.Close()
	prpctest.LargeAnswer(t, &http.Client{Transport: bearer{"s3cret", http.DefaultTransport}}, onboard.URL+"/prpc/Onboard.")
}
