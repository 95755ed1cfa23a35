package test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/dstack-go/dstack/kms"
)

// TestExampleKMSConfig: kms.example.json is a configuration the KMS reads
// (strictly: an unknown option is an error).
func TestExampleKMSConfig(t *testing.T) {
	cfg := exampleKMSConfig(t)
	if cfg.Auth.Chain == nil || cfg.StateDir == "" || cfg.InsecureSimulatedTEE == "" {
		t.Fatalf("kms.example.json: %+v", cfg)
	}
}

func exampleKMSConfig(t *testing.T) kms.Config {
	t.Helper()
	b, err := os.ReadFile("../kms.example.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg kms.Config
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("kms.example.json: %v", err)
	}
	return cfg
}
