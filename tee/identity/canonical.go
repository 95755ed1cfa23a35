package identity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gowebpki/jcs"
)

// maxCanonicalDepth bounds the nesting CanonicalJSON accepts.
const maxCanonicalDepth = 64

// CanonicalJSON rewrites a JSON document into the form the dstack SDKs'
// getComposeHash hashes: object keys sorted, no whitespace, numbers and
// strings as JavaScript's JSON.stringify writes them. Written in this form,
// an app-compose.json hashes (ComposeHash) to what getComposeHash of its
// parsed object returns, so a developer can predict the compose hash that
// goes on chain.
//
// The form is that of @phala/dstack-sdk (src/get-compose-hash.ts, see
// https://github.com/Dstack-TEE/dstack/tree/master/sdk/js), which is close
// to RFC 8785 (JCS) but not equal to it: keys that are array indices
// ("0", "17", …, below 2^32-1) come first in numeric order, as JavaScript
// objects enumerate them, and the others follow sorted by UTF-16 code
// units; numbers are written as ECMAScript's Number.prototype.toString
// writes them (1.0 is 1, 1e21 is 1e+21); strings escape only '"', '\' and
// control characters (so "<", ">", "&", U+2028 and non-ASCII stay as they
// are). Inputs the SDK would alter rather than serialise — an object key
// "__proto__" (dropped), an object with a "constructor" key (left
// unsorted), a number out of float64's range (null) — are refused, as are
// duplicate keys and invalid UTF-8.
func CanonicalJSON(doc []byte) ([]byte, error) {
	// RFC 8785's transform refuses what has no one meaning: invalid UTF-8,
	// lone surrogates, duplicate keys, malformed numbers.
	if _, err := jcs.Transform(doc); err != nil {
		return nil, fmt.Errorf("writing canonical JSON: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var buf bytes.Buffer
	if err := canonicalValue(d, &buf, 0); err != nil {
		return nil, fmt.Errorf("writing canonical JSON: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("writing canonical JSON: data after the top-level value")
	}
	return buf.Bytes(), nil
}

// CanonicalJSONOf marshals v with encoding/json and returns CanonicalJSON
// of the result.
func CanonicalJSONOf(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("writing canonical JSON: %w", err)
	}
	return CanonicalJSON(b)
}

func canonicalValue(d *json.Decoder, w *bytes.Buffer, depth int) error {
	if depth > maxCanonicalDepth {
		return fmt.Errorf("nested deeper than %d levels", maxCanonicalDepth)
	}
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return canonicalArray(d, w, depth)
		}
		return canonicalObject(d, w, depth)
	case string:
		return writeJSString(w, t)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("number %s is out of float64's range", t)
		}
		s, err := jcs.NumberToJSON(f)
		if err != nil {
			return fmt.Errorf("number %s: %w", t, err)
		}
		w.WriteString(s)
	case bool:
		w.WriteString(strconv.FormatBool(t))
	case nil:
		w.WriteString("null")
	}
	return nil
}

func canonicalArray(d *json.Decoder, w *bytes.Buffer, depth int) error {
	w.WriteByte('[')
	for i := 0; d.More(); i++ {
		if i > 0 {
			w.WriteByte(',')
		}
		if err := canonicalValue(d, w, depth+1); err != nil {
			return err
		}
	}
	_, err := d.Token() // ']'
	w.WriteByte(']')
	return err
}

func canonicalObject(d *json.Decoder, w *bytes.Buffer, depth int) error {
	type member struct {
		key   string
		value []byte
	}
	var members []member
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		key := tok.(string)
		switch {
		case seen[key]:
			return fmt.Errorf("duplicate object key %q", key)
		case key == "__proto__" || key == "constructor":
			return fmt.Errorf("object key %q: the SDKs' getComposeHash does not serialise such an object as it is", key)
		case !utf8.ValidString(key):
			return fmt.Errorf("object key %q is not valid UTF-8", key)
		}
		seen[key] = true
		var v bytes.Buffer
		if err := canonicalValue(d, &v, depth+1); err != nil {
			return fmt.Errorf("%q: %w", key, err)
		}
		members = append(members, member{key, v.Bytes()})
	}
	if _, err := d.Token(); err != nil { // '}'
		return err
	}
	slices.SortFunc(members, func(a, b member) int { return compareJSKeys(a.key, b.key) })
	w.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			w.WriteByte(',')
		}
		if err := writeJSString(w, m.key); err != nil {
			return err
		}
		w.WriteByte(':')
		w.Write(m.value)
	}
	w.WriteByte('}')
	return nil
}

// arrayIndex reports whether k is an array index as JavaScript defines it
// (the canonical decimal form of an integer below 2^32-1), and its value.
func arrayIndex(k string) (uint64, bool) {
	n, err := strconv.ParseUint(k, 10, 32)
	if err != nil || n == math.MaxUint32 || strconv.FormatUint(n, 10) != k {
		return 0, false
	}
	return n, true
}

// compareJSKeys orders keys as a JavaScript object built by inserting them
// in Array.prototype.sort order enumerates them: array indices first,
// ascending, then the rest by UTF-16 code units.
func compareJSKeys(a, b string) int {
	ia, aIdx := arrayIndex(a)
	ib, bIdx := arrayIndex(b)
	switch {
	case aIdx && bIdx:
		return int(ia) - int(ib)
	case aIdx:
		return -1
	case bIdx:
		return 1
	}
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

// writeJSString writes s as JSON.stringify does.
func writeJSString(w *bytes.Buffer, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("string %q is not valid UTF-8", s)
	}
	const hexDigits = "0123456789abcdef"
	w.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			w.WriteByte('\\')
			w.WriteRune(r)
		case r == '\b':
			w.WriteString(`\b`)
		case r == '\f':
			w.WriteString(`\f`)
		case r == '\n':
			w.WriteString(`\n`)
		case r == '\r':
			w.WriteString(`\r`)
		case r == '\t':
			w.WriteString(`\t`)
		case r < 0x20:
			w.WriteString(`\u00`)
			w.WriteByte(hexDigits[r>>4])
			w.WriteByte(hexDigits[r&0xf])
		default:
			w.WriteRune(r)
		}
	}
	w.WriteByte('"')
	return nil
}

// IsCanonicalJSON reports whether doc is already in CanonicalJSON form.
func IsCanonicalJSON(doc []byte) bool {
	c, err := CanonicalJSON(doc)
	return err == nil && bytes.Equal(c, doc)
}
