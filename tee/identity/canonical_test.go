package identity

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestCanonicalJSONMatchesSDK: for every input, CanonicalJSON writes the
// text @phala/dstack-sdk's getComposeHash hashes, and ComposeHash of it is
// the SDK's hash (testdata/getcomposehash.json, written by the SDK itself
// with testdata/getcomposehash.cjs).
func TestCanonicalJSONMatchesSDK(t *testing.T) {
	var golden struct {
		SDK   string
		Cases []struct{ Input, Canonical, Hash string }
	}
	b, err := os.ReadFile("testdata/getcomposehash.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &golden); err != nil || len(golden.Cases) < 10 {
		t.Fatalf("testdata/getcomposehash.json: %v", err)
	}
	for _, c := range golden.Cases {
		got, err := CanonicalJSON([]byte(c.Input))
		if err != nil {
			t.Errorf("%s: %v", c.Input, err)
			continue
		}
		if string(got) != c.Canonical {
			t.Errorf("%s:\n got %s\nwant %s (%s)", c.Input, got, c.Canonical, golden.SDK)
		}
		if h := ComposeHash(got); hex.EncodeToString(h[:]) != c.Hash {
			t.Errorf("%s: hash %x, %s's getComposeHash %s", c.Input, h, golden.SDK, c.Hash)
		}
		if !IsCanonicalJSON(got) {
			t.Errorf("%s: the canonical form is not canonical again", got)
		}
	}
}

// TestCanonicalJSONRefuses: what the SDK would not hash as written, and
// what has no single meaning, is refused with the reason.
func TestCanonicalJSONRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`{"__proto__":{"a":1}}`:     "__proto__",
		`{"a":{"constructor":"x"}}`: "constructor",
		`{"a":1,"a":2}`:             "duplicate",
		`{"n":1e400}`:               "range",
		"{\"s\":\"\xff\"}":          "UTF-8",
		`{"s":"\ud800"}`:            "surrogate",
		`{"a":1} {"b":2}`:           "",
		`{"a":`:                     "",
		strings.Repeat("[", 100) + "1" + strings.Repeat("]", 100): "",
	} {
		if _, err := CanonicalJSON([]byte(in)); err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(want)) {
			t.Errorf("%.40q: error %v, want one saying %q", in, err, want)
		}
	}
}

// TestCanonicalJSONOf writes a Go value in canonical form.
func TestCanonicalJSONOf(t *testing.T) {
	got, err := CanonicalJSONOf(struct {
		Name string `json:"name"`
		HTML string `json:"html"`
		N    float64
	}{"x", "<&>", 2})
	if err != nil || string(got) != `{"N":2,"html":"<&>","name":"x"}` {
		t.Fatalf("%s %v", got, err)
	}
}

// FuzzCanonicalJSON: the canonical form of any accepted document means the
// same as the document, and is its own canonical form.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[1.5,"x"]}`, `{"10":1,"9":{"é":null}}`, `"\u2028"`, `[1e21,-0]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := CanonicalJSON(in)
		if err != nil {
			return
		}
		again, err := CanonicalJSON(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", in, out, again, err)
		}
		var a, b any
		if json.Unmarshal(in, &a) != nil || json.Unmarshal(out, &b) != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("%q and its canonical form %q differ", in, out)
		}
	})
}
