package ctmonitor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"
)

// DirStore keeps the state in files of a directory (created 0700 when
// missing), one per log, each replaced whole.
type DirStore string

// Load implements StateStore.
func (d DirStore) Load(_ context.Context, name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(string(d), name+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// Store implements StateStore.
func (d DirStore) Store(_ context.Context, name string, value []byte) error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(string(d), name+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(value); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(string(d), name+".json"))
}

// WebhookWarning is logged at start when alerts go to a webhook over
// plain HTTP.
const WebhookWarning = "INSECURE: CT alerts are posted to a webhook over plain HTTP: anyone on the path can read or drop them"

// CheckWebhook refuses a webhook URL that is not https, unless
// insecureHTTP allows http.
func CheckWebhook(raw string, insecureHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("webhook %q is not an absolute URL", raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && insecureHTTP:
	case u.Scheme == "http":
		return fmt.Errorf("webhook %q is plain HTTP: use https, or allow it with insecure_webhook_http", raw)
	default:
		return fmt.Errorf("webhook %q: the scheme must be https", raw)
	}
	return nil
}

// Webhook posts each alert as JSON to a URL.
type Webhook struct {
	URL    string
	Client *http.Client
	Logger *zap.Logger
}

// Send posts a, and logs at error when the webhook does not take it.
func (w *Webhook) Send(ctx context.Context, a Alert) {
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	err := func() error {
		body, err := json.Marshal(a)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
		if res.StatusCode/100 != 2 {
			return fmt.Errorf("status %s", res.Status)
		}
		return nil
	}()
	if err != nil && w.Logger != nil {
		w.Logger.Error("ct monitor: the alert webhook did not take an alert", zap.String("webhook", w.URL), zap.String("kind", a.Kind), zap.Error(err))
	}
}
