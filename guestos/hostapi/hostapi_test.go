package hostapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNotify(t *testing.T) {
	var got struct{ path, query, event, payload string }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n struct{ Event, Payload string }
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&n) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		got.path, got.query, got.event, got.payload = r.URL.Path, r.URL.RawQuery, n.Event, n.Payload
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	defer srv.Close()
	c, err := New(srv.URL + "/api/")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Notify(context.Background(), "instance.info", `{"app_id":"01"}`); err != nil {
		t.Fatal(err)
	}
	if got.path != "/api/Notify" || got.query != "json" || got.event != "instance.info" || got.payload != `{"app_id":"01"}` {
		t.Fatalf("the host got %+v", got)
	}

	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such method", http.StatusNotFound)
	}))
	defer refusing.Close()
	c, _ = New(refusing.URL)
	if err := c.Notify(context.Background(), "boot.progress", "x"); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Fatalf("an error answer was not reported: %v", err)
	}
}

func TestNewRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"vsock://2:10000/api", "unix:/run/host.sock", "http://", "http://h/api?x=1", "ftp://h/"} {
		if _, err := New(u); err == nil {
			t.Errorf("%q was accepted", u)
		}
	}
}
