// Copyright 2026 The dstack-go Authors
// SPDX-License-Identifier: Apache-2.0

package measure

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/dstack-go/dstack/internal/fixtures"
)

func TestBindUpstreamLiteDocument(t *testing.T) {
	ev := fixtures.TDXGetQuote(t)
	var vc struct {
		OSImageHash    string       `json:"os_image_hash"`
		TDXMeasurement *TDXDocument `json:"tdx_measurement"`
	}
	if err := json.Unmarshal([]byte(ev.VMConfig), &vc); err != nil {
		t.Fatal(err)
	}
	h, _ := hex.DecodeString(vc.OSImageHash)
	m, err := vc.TDXMeasurement.Bind(h)
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, vc.TDXMeasurement.Measurement) {
		t.Fatalf("re-encoding the upstream document changed it:\n%x\n%x", again, vc.TDXMeasurement.Measurement)
	}
	h[0] ^= 1
	if _, err := vc.TDXMeasurement.Bind(h); err == nil {
		t.Fatal("a flipped os_image_hash was bound")
	}
}
