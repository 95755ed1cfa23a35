package agent

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkAgent measures what an app asks of the guest agent on
// dstack.sock, one request at a time over a kept-alive connection as the
// SDKs send them, on the simulated TEE. GetTlsKey includes the KMS's
// SignCert (a test KMS on loopback); GetQuote and Attest include the
// simulated TD's quote.
func BenchmarkAgent(b *testing.B) {
	f := setup(b)
	for _, bc := range []struct{ method, body string }{
		{"Info", `{}`},
		{"GetKey", `{"path":"bench","purpose":"signing","algorithm":"secp256k1"}`},
		{"Sign", `{"algorithm":"ed25519","data":"00"}`},
		{"GetQuote", `{"report_data":"0102"}`},
		{"Attest", `{"report_data":"aa"}`},
		{"GetTlsKey", `{"subject":"bench"}`},
	} {
		b.Run(bc.method, func(b *testing.B) {
			for b.Loop() {
				res, err := f.client.Post("http://dstack/"+bc.method, "application/json", strings.NewReader(bc.body))
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d %s", bc.method, res.StatusCode, body)
				}
			}
		})
	}
}
