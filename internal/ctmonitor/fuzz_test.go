package ctmonitor

import (
	"context"
	"testing"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
)

// FuzzCheck: any leaf and extra data a log serves is judged without a
// panic, and raises at most one alert.
func FuzzCheck(f *testing.F) {
	der, _ := cert(f, "a.gw.example.com")
	leaf, _ := cttls.Marshal(ct.MerkleTreeLeaf{Version: ct.V1, LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{EntryType: ct.X509LogEntryType, X509Entry: &ct.ASN1Cert{Data: der}}})
	extra, _ := cttls.Marshal(ct.CertificateChain{})
	f.Add(leaf, extra)
	f.Add([]byte{0, 0}, []byte{})
	_, logKey := cert(f, "log")
	f.Fuzz(func(t *testing.T, leaf, extra []byte) {
		n := 0
		m, err := New(Config{BaseDomain: "gw.example.com", Logs: []LogConfig{{URL: "http://127.0.0.1:1", PublicKey: logKey}},
			Known: func(context.Context) ([][]byte, error) { return nil, nil }, State: DirStore(t.TempDir()),
			Alert: func(context.Context, Alert) { n++ }})
		if err != nil {
			t.Fatal(err)
		}
		m.check(context.Background(), m.logs[0], 0, &ct.LeafEntry{LeafInput: leaf, ExtraData: extra}, map[string]bool{})
		if n > 1 {
			t.Fatalf("%d alerts for one entry", n)
		}
	})
}
