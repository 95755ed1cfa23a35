package chain

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dstack-go/dstack/contracts/testchain"
)

// FuzzWebhook posts arbitrary bodies to the authorization webhook: a body
// that is not boot info gets 400, anything else an answer; nothing panics,
// and nothing unregistered is allowed.
func FuzzWebhook(f *testing.F) {
	c := testchain.New(f)
	if _, err := c.Send(c.KmsInst, c.Owner, c.K.PackAddOsImageHash(h(5))); err != nil {
		f.Fatal(err)
	}
	r, err := New(f.Context(), c.Client, Config{ChainID: c.ChainID, KmsContract: c.Kms})
	if err != nil {
		f.Fatal(err)
	}
	hook := r.Webhook()
	f.Add("/bootAuth/app", `{"teeVariant":"dstack-tdx","appId":"0102","composeHash":"c1","osImageHash":"05","tcbStatus":"UpToDate","advisoryIds":[]}`)
	f.Add("/bootAuth/kms", `{"mrAggregated":"06","deviceId":"07","osImageHash":"05","tcbStatus":"UpToDate"}`)
	f.Add("/bootAuth/app", `{"appId":"zz"}`)
	f.Add("/bootAuth/kms", `[]`)
	f.Fuzz(func(t *testing.T, path, body string) {
		if path != "/bootAuth/app" && path != "/bootAuth/kms" {
			path = "/bootAuth/app"
		}
		w := httptest.NewRecorder()
		hook.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
		var b PolicyBootInfo
		valid := json.Unmarshal([]byte(body), &b) == nil
		if !valid {
			if w.Code != http.StatusBadRequest {
				t.Fatalf("invalid boot info answered %d", w.Code)
			}
			return
		}
		var out webhookAnswer
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil {
			t.Fatalf("valid boot info: %d %s", w.Code, w.Body.String())
		}
		if out.IsAllowed {
			t.Fatalf("nothing is registered, yet allowed: %s", body)
		}
	})
}
