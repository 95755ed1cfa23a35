package containers

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func layerOf(t *testing.T, entries []tarEntry) v1.Layer {
	t.Helper()
	data := tarOf(entries)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func imageOf(t *testing.T, layers ...[]tarEntry) v1.Image {
	t.Helper()
	img := empty.Image
	for _, l := range layers {
		var err error
		if img, err = mutate.AppendLayers(img, layerOf(t, l)); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

func TestUnpackWhiteouts(t *testing.T) {
	requireRoot(t) // ownership from the archive needs chown
	img := imageOf(t,
		[]tarEntry{
			{name: "a/", mode: 0o755, dir: true},
			{name: "a/gone", mode: 0o644, body: []byte("lower")},
			{name: "a/kept", mode: 0o644, body: []byte("lower")},
			{name: "b/", mode: 0o755, dir: true},
			{name: "b/hidden", mode: 0o644, body: []byte("lower")},
			{name: "c", mode: 0o644, body: []byte("file in lower")},
			{name: "suid", mode: 0o4755, body: []byte("x"), uid: 7},
		},
		[]tarEntry{
			{name: "a/.wh.gone", mode: 0o644},
			{name: "b/", mode: 0o755, dir: true},
			{name: "b/.wh..wh..opq", mode: 0o644},
			{name: "b/new", mode: 0o644, body: []byte("upper")},
			{name: "c/", mode: 0o700, dir: true},
			{name: "link", hardlink: "a/kept"},
		},
	)
	dir := filepath.Join(t.TempDir(), "rootfs")
	if err := unpack(img, dir); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"a/gone", "b/hidden"} {
		if _, err := os.Lstat(filepath.Join(dir, gone)); !os.IsNotExist(err) {
			t.Errorf("%s survived its whiteout: %v", gone, err)
		}
	}
	for path, want := range map[string]string{"a/kept": "lower", "b/new": "upper", "link": "lower"} {
		if b, err := os.ReadFile(filepath.Join(dir, path)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v", path, b, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "c")); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("c should be the upper layer's 0700 directory: %v %v", fi, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "suid"))
	if err != nil || fi.Mode()&os.ModeSetuid == 0 {
		t.Errorf("set-uid bit lost: %v %v", fi, err)
	}
}

func TestUnpackStaysInsideRoot(t *testing.T) {
	requireRoot(t)
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("original"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel("/", outside)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]tarEntry{
		"dotdot name": {{name: "../../../../../../" + rel + "/victim", mode: 0o644, body: []byte("pwned")}},
		"absolute symlink dir": {
			{name: "esc", link: outside},
			{name: "esc/victim", mode: 0o644, body: []byte("pwned")},
		},
		"relative symlink dir": {
			{name: "esc", link: "../../../../../../../../" + rel},
			{name: "esc/victim", mode: 0o644, body: []byte("pwned")},
		},
		"symlink then overwrite": {
			{name: "victim", link: victim},
			{name: "victim", mode: 0o644, body: []byte("pwned")},
		},
		"hardlink out": {
			{name: "hl", hardlink: "../../../../../../" + rel + "/victim"},
		},
	}
	for name, entries := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			err := extractTar(bytes.NewReader(tarOf(entries)), dir)
			if b, _ := os.ReadFile(victim); string(b) != "original" {
				t.Fatalf("file outside the root was changed (err %v)", err)
			}
			if err == nil {
				// Whatever was written must be inside dir.
				_ = filepath.Walk(dir, func(p string, fi os.FileInfo, _ error) error {
					if fi != nil && fi.Mode().IsRegular() {
						if b, _ := os.ReadFile(p); string(b) == "pwned" && !strings.HasPrefix(p, dir) {
							t.Errorf("wrote %s", p)
						}
					}
					return nil
				})
			}
			// A hardlink to a file outside must not exist in the root.
			if fi, err := os.Lstat(filepath.Join(dir, "hl")); err == nil {
				if vfi, _ := os.Stat(victim); os.SameFile(fi, vfi) {
					t.Fatal("hardlink to a file outside the root")
				}
			}
		})
	}
}

func TestServiceMountsStayInDataDir(t *testing.T) {
	data := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(data, "link")); err != nil {
		t.Fatal(err)
	}
	s := &service{Mounts: []mount{{Kind: mountBind, Source: "link/sub", Target: "/x"}}}
	ms, err := serviceMounts(s, t.TempDir(), data, "", "/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	src := ms[len(ms)-1].Source
	if !strings.HasPrefix(src, data+"/") {
		t.Errorf("bind source %s is outside the data directory", src)
	}
	if _, err := os.Stat(filepath.Join(outside, "sub")); err == nil {
		t.Error("a directory was created through the symlink outside the data directory")
	}
	s.Mounts = []mount{{Kind: mountAgent, Target: "/var/run/dstack.sock"}}
	if _, err := serviceMounts(s, t.TempDir(), data, "", "/etc/hosts"); err == nil || !strings.Contains(err.Error(), "Config.AgentSocket") {
		t.Errorf("agent socket without AgentSocket: %v", err)
	}
}

func FuzzExtractTar(f *testing.F) {
	f.Add(tarOf([]tarEntry{{name: "a/", mode: 0o755, dir: true}, {name: "a/b", mode: 0o644, body: []byte("x")}}))
	f.Add(tarOf([]tarEntry{{name: "l", link: "/"}, {name: "l/etc/x", mode: 0o644, body: []byte("x")}}))
	f.Add(tarOf([]tarEntry{{name: "h", hardlink: "../../x"}, {name: "../../y", mode: 0o644}}))
	outside := f.TempDir()
	sentinel := filepath.Join(outside, "sentinel")
	if err := os.WriteFile(sentinel, []byte("kept"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A sparse entry can declare gigabytes of zeros in a few bytes;
		// extracting it is correct but slow, which is not what this
		// target is after.
		tr := tar.NewReader(bytes.NewReader(data))
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			if h.Size > 1<<20 {
				return
			}
		}
		dir, err := os.MkdirTemp(outside, "root")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		_ = extractTar(bytes.NewReader(data), dir)
		if b, err := os.ReadFile(sentinel); err != nil || string(b) != "kept" {
			t.Fatalf("a file outside the root changed: %q %v", b, err)
		}
		ents, _ := os.ReadDir(outside)
		if len(ents) != 2 {
			t.Fatalf("files appeared outside the root: %v", ents)
		}
	})
}
