package image

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/blakesmith/ar"
	"github.com/ulikunitz/xz"
)

// walkDeb calls fn for every entry of the data archive (data.tar.xz,
// data.tar.gz or data.tar) of the Debian package at path, in archive order,
// with names cleaned of their leading "./". A .deb is an ar archive whose
// members are debian-binary, control.tar.* and data.tar.*.
func walkDeb(path string, fn func(h *tar.Header, r io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading Debian package: %w", err)
	}
	defer f.Close()
	// ar passes reads straight through and xz reads in small pieces:
	// without a buffer, unpacking a kernel package is ten times slower.
	return walkDebReader(bufio.NewReaderSize(f, 1<<20), fn)
}

func walkDebReader(r io.Reader, fn func(h *tar.Header, r io.Reader) error) error {
	a := ar.NewReader(r)
	for {
		h, err := nextMember(a)
		if errors.Is(err, io.EOF) {
			return errors.New("reading Debian package: no data.tar member")
		}
		if err != nil {
			return fmt.Errorf("reading Debian package: not an ar archive: %w", err)
		}
		name := strings.TrimSuffix(strings.TrimSpace(h.Name), "/")
		if !strings.HasPrefix(name, "data.tar") {
			continue
		}
		var data io.Reader
		switch name {
		case "data.tar":
			data = a
		case "data.tar.xz":
			xr, err := xz.NewReader(a)
			if err != nil {
				return fmt.Errorf("reading Debian package: %s: %w", name, err)
			}
			data = xr
		case "data.tar.gz":
			zr, err := gzip.NewReader(a)
			if err != nil {
				return fmt.Errorf("reading Debian package: %s: %w", name, err)
			}
			defer zr.Close()
			data = zr
		default:
			return fmt.Errorf("reading Debian package: member %s is compressed in a way this builder does not read (xz, gzip or none)", name)
		}
		tr := tar.NewReader(data)
		for {
			th, err := tr.Next()
			if errors.Is(err, io.EOF) {
				// Read the compressed stream to its end, so that its
				// checksums and index are verified too.
				if _, err := io.Copy(io.Discard, data); err != nil {
					return fmt.Errorf("reading Debian package: %s: %w", name, err)
				}
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading Debian package: %s: %w", name, err)
			}
			th.Name = strings.TrimPrefix(strings.TrimPrefix(th.Name, "."), "/")
			if err := fn(th, tr); err != nil {
				return err
			}
		}
	}
}

// nextMember is a.Next, with the panic the ar package raises on some
// malformed headers turned into an error.
func nextMember(a *ar.Reader) (h *ar.Header, err error) {
	defer func() {
		if p := recover(); p != nil {
			h, err = nil, fmt.Errorf("malformed member header (%v)", p)
		}
	}()
	return a.Next()
}
