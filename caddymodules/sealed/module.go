package sealed

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"

	"github.com/dstack-go/dstack/internal/prpc"
)

func init() {
	caddy.RegisterModule(Module{})
}

// Defaults of the guest agent key source.
const (
	DefaultSocket  = "/var/run/dstack.sock"
	DefaultKeyPath = "dstack_sealed/caddy-storage"
	DefaultPurpose = "caddy-storage-sealing"
)

// Module is caddy.storage.dstack_sealed. Exactly one key source is used: the
// guest agent (the default), or insecure_key_hex, or insecure_key_file.
type Module struct {
	// Backend is the wrapped storage (a caddy.storage module). Default: the
	// file system at Caddy's data directory.
	BackendRaw json.RawMessage `json:"backend,omitempty" caddy:"namespace=caddy.storage inline_key=module"`

	// Socket is the guest agent's unix socket the sealing key is read from.
	// Default: /var/run/dstack.sock.
	Socket string `json:"socket,omitempty"`

	// KeyPath is the path given to the agent's GetKey: it selects the
	// derived key, so two paths seal with unrelated keys. Default:
	// "dstack_sealed/caddy-storage".
	KeyPath string `json:"key_path,omitempty"`

	// Purpose is the purpose given to the agent's GetKey, bound by the
	// signature chain it returns. Default: "caddy-storage-sealing".
	Purpose string `json:"purpose,omitempty"`

	// InsecureKeyHex is 32 bytes of key material in hex used instead of the
	// guest agent's key; for development and tests only (a warning is
	// logged at start). Default: empty (use the agent).
	InsecureKeyHex string `json:"insecure_key_hex,omitempty"`

	// InsecureKeyFile is a file holding 32 bytes of key material in hex,
	// used instead of the guest agent's key; for development and tests only
	// (a warning is logged at start). Default: empty (use the agent).
	InsecureKeyFile string `json:"insecure_key_file,omitempty"`

	storage *Storage
}

// CaddyModule returns the Caddy module information.
func (Module) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "caddy.storage.dstack_sealed",
		New: func() caddy.Module { return new(Module) },
	}
}

// Provision reads the sealing key and sets up the wrapped storage.
func (m *Module) Provision(ctx caddy.Context) error {
	log := ctx.Logger()
	material, err := m.keyMaterial(ctx, log)
	if err != nil {
		return fmt.Errorf("dstack_sealed: %w", err)
	}
	sealer, err := NewSealer(material)
	clear(material)
	if err != nil {
		return fmt.Errorf("dstack_sealed: %w", err)
	}
	var backend certmagic.Storage
	if m.BackendRaw != nil {
		mod, err := ctx.LoadModule(m, "BackendRaw")
		if err != nil {
			return fmt.Errorf("dstack_sealed: loading the backend storage: %w", err)
		}
		conv, ok := mod.(caddy.StorageConverter)
		if !ok {
			return fmt.Errorf("dstack_sealed: backend module %T is not a storage", mod)
		}
		if backend, err = conv.CertMagicStorage(); err != nil {
			return fmt.Errorf("dstack_sealed: opening the backend storage: %w", err)
		}
	} else {
		backend = &certmagic.FileStorage{Path: caddy.AppDataDir()}
	}
	if _, nested := backend.(*Storage); nested {
		return errors.New("dstack_sealed: the backend is itself a dstack_sealed storage; give it the plain storage")
	}
	m.storage = &Storage{Backend: backend, Sealer: sealer}
	log.Info("sealed storage ready", zap.String("key_id", sealer.KeyID()), zap.String("backend", fmt.Sprint(backend)))
	return nil
}

func (m *Module) keyMaterial(ctx context.Context, log *zap.Logger) ([]byte, error) {
	switch {
	case m.InsecureKeyHex != "" && m.InsecureKeyFile != "":
		return nil, errors.New("both insecure_key_hex and insecure_key_file are set; keep one")
	case (m.InsecureKeyHex != "" || m.InsecureKeyFile != "") && (m.Socket != "" || m.KeyPath != "" || m.Purpose != ""):
		return nil, errors.New("an insecure key and guest agent options (socket, key_path, purpose) are both set; keep one source")
	case m.InsecureKeyHex != "":
		log.Warn("dstack_sealed: insecure_key_hex is set: the storage is sealed with a key written in the configuration, not one from the KMS; for development only")
		return decodeKey(m.InsecureKeyHex, "insecure_key_hex")
	case m.InsecureKeyFile != "":
		log.Warn("dstack_sealed: insecure_key_file is set: the storage is sealed with a key read from a file, not one from the KMS; for development only",
			zap.String("file", m.InsecureKeyFile))
		b, err := os.ReadFile(m.InsecureKeyFile)
		if err != nil {
			return nil, fmt.Errorf("reading insecure_key_file: %w", err)
		}
		return decodeKey(strings.TrimSpace(string(b)), m.InsecureKeyFile)
	}
	socket, path, purpose := orDefault(m.Socket, DefaultSocket), orDefault(m.KeyPath, DefaultKeyPath), orDefault(m.Purpose, DefaultPurpose)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	key, err := AgentKey(cctx, socket, path, purpose)
	if err != nil {
		return nil, fmt.Errorf("getting the sealing key from the guest agent at %s (run inside a dstack CVM, or set insecure_key_hex for development): %w", socket, err)
	}
	return key, nil
}

// AgentKey calls the guest agent's GetKey on its unix socket and returns the
// derived key for path.
func AgentKey(ctx context.Context, socket, path, purpose string) ([]byte, error) {
	c := prpc.Client{
		BaseURL: "http://dstack/prpc/",
		HTTP: &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", socket)
			},
		}},
	}
	var resp struct {
		Key prpc.Bytes `json:"key"`
	}
	if err := c.Call(ctx, "GetKey", map[string]string{"path": path, "purpose": purpose}, &resp); err != nil {
		return nil, err
	}
	if len(resp.Key) < 32 {
		return nil, fmt.Errorf("GetKey returned %d bytes of key, want 32", len(resp.Key))
	}
	return resp.Key, nil
}

func decodeKey(s, what string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return nil, fmt.Errorf("%s: not hex: %w", what, err)
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("%s: want 32 bytes (64 hex digits), got %d", what, len(b))
	}
	return b, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// CertMagicStorage returns the sealed storage.
func (m *Module) CertMagicStorage() (certmagic.Storage, error) {
	if m.storage == nil {
		return nil, errors.New("dstack_sealed: not provisioned")
	}
	return m.storage, nil
}

var (
	_ caddy.Provisioner      = (*Module)(nil)
	_ caddy.StorageConverter = (*Module)(nil)
)
