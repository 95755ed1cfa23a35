package containers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.uber.org/zap"
)

// RegistryOptions says how images are fetched.
type RegistryOptions struct {
	// InsecurePlainHTTPLoopback lets images be pulled over plain HTTP from a
	// registry on a loopback address (127.0.0.0/8, ::1, localhost), for
	// development and tests. Registries elsewhere are always reached over
	// TLS with the system roots. Default false: plain HTTP is refused.
	InsecurePlainHTTPLoopback bool

	// Transport is the HTTP transport for registry requests. Default
	// http.DefaultTransport.
	Transport http.RoundTripper

	// Mirror is the URL of a registry mirror (scheme http or https, a host
	// and port, no path): upstream's .sys-config.json docker_registry. An
	// image pinned by digest is pulled from it first, and from its own
	// registry when that fails. On the mirror a Docker Hub image keeps its
	// repository path (docker's registry-mirrors convention:
	// docker.io/library/nginx is <mirror>/library/nginx), and any other
	// image's repository is prefixed with its registry host
	// (registry.example/app/web is <mirror>/registry.example/app/web). The
	// mirror is untrusted whatever its scheme, as the host chooses it: what
	// it serves is checked against the pinned digest, and an image named
	// by tag is never pulled from it. Default empty: no mirror.
	Mirror string
}

// mirror is a parsed RegistryOptions.Mirror.
type mirror struct {
	host      string // host:port, as a reference names a registry
	plainHTTP bool
}

func parseMirror(s string) (*mirror, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("registry mirror %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("registry mirror %q: want http://HOST[:PORT] or https://HOST[:PORT], without a path", s)
	}
	if _, err := name.NewRegistry(u.Host); err != nil {
		return nil, fmt.Errorf("registry mirror %q: %w", s, err)
	}
	return &mirror{host: u.Host, plainHTTP: u.Scheme == "http"}, nil
}

// ref is where d is on the mirror.
func (m *mirror) ref(d name.Digest) (name.Digest, error) {
	repo := d.Context().RepositoryStr()
	if reg := d.Context().RegistryStr(); reg != name.DefaultRegistry {
		repo = reg + "/" + repo
	}
	var opts []name.Option
	if m.plainHTTP {
		opts = append(opts, name.Insecure)
	}
	return name.NewDigest(m.host+"/"+repo+"@"+d.DigestStr(), opts...)
}

// refAnnotation records, in the image cache's index, the digest an image was
// requested by (which is an index's digest for a multi-platform image).
const refAnnotation = "org.dstack.image.requested-digest"

// imageStore pulls images by digest and caches them in an OCI image layout.
type imageStore struct {
	dir       string
	allowTags bool
	transport http.RoundTripper
	mirror    *mirror
	log       *zap.Logger
}

func newImageStore(dir string, allowTags bool, ro RegistryOptions, log *zap.Logger) (*imageStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the image cache %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); errors.Is(err, os.ErrNotExist) {
		if _, err := layout.Write(dir, empty.Index); err != nil {
			return nil, fmt.Errorf("creating the image cache %s: %w", dir, err)
		}
	}
	m, err := parseMirror(ro.Mirror)
	if err != nil {
		return nil, err
	}
	base := ro.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	guard := &schemeGuard{base: base, allowLoopbackHTTP: ro.InsecurePlainHTTPLoopback}
	if m != nil && m.plainHTTP {
		guard.httpHost = m.host
	}
	return &imageStore{dir: dir, allowTags: allowTags, transport: guard, mirror: m, log: log}, nil
}

// schemeGuard refuses plain-HTTP registry requests unless they go to a
// loopback host and the insecure option allows it, or to a mirror given
// with an http URL. go-containerregistry otherwise falls back to HTTP for
// private and localhost addresses.
type schemeGuard struct {
	base              http.RoundTripper
	allowLoopbackHTTP bool
	httpHost          string // a mirror's host:port, reached over plain HTTP
}

func (g *schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "https" {
		return g.base.RoundTrip(req)
	}
	if req.URL.Scheme == "http" && g.allowLoopbackHTTP && isLoopbackHost(req.URL.Hostname()) {
		return g.base.RoundTrip(req)
	}
	if req.URL.Scheme == "http" && g.httpHost != "" && req.URL.Host == g.httpHost {
		return g.base.RoundTrip(req)
	}
	return nil, fmt.Errorf("refusing %s request to registry %s: only HTTPS is allowed (plain HTTP only to a loopback registry with RegistryOptions.InsecurePlainHTTPLoopback)", req.URL.Scheme, req.URL.Host)
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// parseRef parses an image reference and enforces digest pinning.
func (s *imageStore) parseRef(image string) (name.Reference, error) {
	ref, err := name.ParseReference(image)
	if err != nil {
		return nil, fmt.Errorf("parsing image reference %q: %w", image, err)
	}
	if _, ok := ref.(name.Digest); ok {
		return ref, nil
	}
	if !s.allowTags {
		return nil, fmt.Errorf("image %q is not pinned by digest: the compose hash must pin what runs; write it as %s@sha256:<digest> (or set Config.InsecureAllowImageTags for development)", image, ref.Context().Name())
	}
	return ref, nil
}

// remoteRef returns ref re-parsed so that go-containerregistry uses
// plain HTTP for a loopback registry (the transport guard still decides).
func (s *imageStore) remoteRef(ref name.Reference) (name.Reference, error) {
	if !isLoopbackHost(hostOnly(ref.Context().RegistryStr())) {
		return ref, nil
	}
	return name.ParseReference(ref.String(), name.Insecure)
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// Get returns the image for a reference, from the cache when it holds the
// requested digest (verified again), else pulled from the registry and
// cached.
func (s *imageStore) Get(ctx context.Context, image string) (v1.Image, error) {
	ref, err := s.parseRef(image)
	if err != nil {
		return nil, err
	}
	lp := layout.Path(s.dir)
	if d, ok := ref.(name.Digest); ok {
		if img, err := s.cached(lp, d.DigestStr()); err == nil && img != nil {
			s.log.Info("image from the cache", zap.String("image", image), zap.String("cache", s.dir))
			return img, nil
		} else if err != nil {
			s.log.Warn("cached image is unusable; pulling it again", zap.String("image", image), zap.Error(err))
		}
	} else {
		s.log.Warn("pulling an image by tag: what runs is not pinned by the compose hash", zap.String("image", image))
	}
	requested := ""
	var mirrorErr error
	if d, ok := ref.(name.Digest); ok {
		requested = d.DigestStr()
		if s.mirror != nil {
			mref, err := s.mirror.ref(d)
			if err == nil {
				var img v1.Image
				if img, err = s.pull(ctx, mref, requested); err == nil {
					return img, nil
				}
			}
			mirrorErr = fmt.Errorf("from the registry mirror %s: %w", s.mirror.host, err)
			s.log.Warn("the registry mirror did not serve the image; pulling it from its registry", zap.String("image", image), zap.Error(mirrorErr))
		}
	}
	rref, err := s.remoteRef(ref)
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", image, err)
	}
	img, err := s.pull(ctx, rref, requested)
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", image, errors.Join(mirrorErr, err))
	}
	return img, nil
}

// pull fetches ref into the cache, recording the digest it was requested
// by, and returns it verified.
func (s *imageStore) pull(ctx context.Context, ref name.Reference, requested string) (v1.Image, error) {
	img, err := remote.Image(ref,
		remote.WithContext(ctx),
		remote.WithTransport(s.transport),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}),
	)
	if err != nil {
		return nil, err
	}
	// AppendImage reads every layer through go-containerregistry's verifying
	// readers, so a blob that does not match the manifest fails here.
	lp := layout.Path(s.dir)
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{refAnnotation: requested})); err != nil {
		return nil, fmt.Errorf("writing it into the image cache: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	s.log.Info("pulled image", zap.String("image", ref.String()), zap.String("digest", digest.String()))
	return s.verified(lp, digest)
}

// cached finds an image requested by digest in the cache; nil, nil when it is
// not there.
func (s *imageStore) cached(lp layout.Path, requested string) (v1.Image, error) {
	idx, err := lp.ImageIndex()
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, desc := range im.Manifests {
		if desc.Digest.String() == requested || desc.Annotations[refAnnotation] == requested {
			return s.verified(lp, desc.Digest)
		}
	}
	return nil, nil
}

// verified opens a cached image after checking that its manifest, config and
// every layer blob hash to the digests that name them.
func (s *imageStore) verified(lp layout.Path, digest v1.Hash) (v1.Image, error) {
	img, err := lp.Image(digest)
	if err != nil {
		return nil, fmt.Errorf("opening cached image %s: %w", digest, err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, fmt.Errorf("reading cached manifest %s: %w", digest, err)
	}
	if got := sha256.Sum256(raw); digest.Algorithm != "sha256" || hex.EncodeToString(got[:]) != digest.Hex {
		return nil, fmt.Errorf("cached manifest %s does not match its digest", digest)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading cached manifest %s: %w", digest, err)
	}
	blobs := []v1.Hash{m.Config.Digest}
	for _, l := range m.Layers {
		blobs = append(blobs, l.Digest)
	}
	for _, b := range blobs {
		if err := verifyBlob(lp, b); err != nil {
			return nil, err
		}
	}
	return img, nil
}

func verifyBlob(lp layout.Path, h v1.Hash) error {
	if h.Algorithm != "sha256" {
		return fmt.Errorf("cached blob %s: only sha256 digests are supported", h)
	}
	rc, err := lp.Blob(h)
	if err != nil {
		return fmt.Errorf("opening cached blob %s: %w", h, err)
	}
	defer rc.Close()
	hash := sha256.New()
	if _, err := io.Copy(hash, rc); err != nil {
		return fmt.Errorf("reading cached blob %s: %w", h, err)
	}
	if hex.EncodeToString(hash.Sum(nil)) != h.Hex {
		// Drop it, so that the next pull writes it again (the layout
		// never rewrites a blob that exists).
		_ = os.Remove(filepath.Join(string(lp), "blobs", h.Algorithm, h.Hex))
		return fmt.Errorf("cached blob %s does not match its digest", h)
	}
	return nil
}
