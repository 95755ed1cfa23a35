package kms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/dstack-go/dstack/kms/kmsapi"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"
)

// The files of a KMS's state directory.
const (
	// sealedKeysFile holds the root keys, sealed (RootKeys.Seal).
	sealedKeysFile = "root-keys.sealed"
	// bootstrapInfoFile is the record of a bootstrap (BootstrapInfo), to be
	// published with setKmsInfo. A replica onboarded from another KMS has
	// none.
	bootstrapInfoFile = "bootstrap-info.json"
	// tmpSuffix marks a file written but not yet committed.
	tmpSuffix = ".tmp"
)

// ErrRootKeysMissing means the state directory holds the record of a
// bootstrap but not the sealed root keys it published: new root keys would
// change every app key, so the KMS refuses to start rather than make them.
var ErrRootKeysMissing = errors.New("the state directory holds a bootstrap record but no sealed root keys")

// stateDir is a KMS's state directory. Writes are atomic: each file is
// written to a temporary name, synced, renamed into place, and the
// directory synced.
type stateDir struct {
	dir string
	// crash, in tests, is called before each step of store; an error from
	// it stops store there, as a crash would, leaving the files as they are.
	crash func(step string) error
}

func (s stateDir) path(name string) string { return filepath.Join(s.dir, name) }

func (s stateDir) step(name string) error {
	if s.crash != nil {
		return s.crash(name)
	}
	return nil
}

// store seals the keys into the directory with the bootstrap record (when
// info is not nil) beside them. Both are written to temporary files and
// synced first; then the sealed keys are renamed into place, then the
// record. A crash before the first rename commits nothing (recover removes
// the temporary files); a crash between the renames leaves the sealed keys
// and the record's complete temporary file, which recover renames into
// place. The record never stands without the keys it describes.
func (s stateDir) store(keys *RootKeys, info *kmsapi.BootstrapInfo, sealingKey []byte) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("storing root keys: %w", err)
	}
	sealed, err := keys.Seal(sealingKey)
	if err != nil {
		return err
	}
	if err := s.step("write sealed keys"); err != nil {
		return err
	}
	if err := writeSynced(s.path(sealedKeysFile+tmpSuffix), sealed); err != nil {
		return fmt.Errorf("storing root keys: %w", err)
	}
	if info != nil {
		b, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return fmt.Errorf("storing the bootstrap record: %w", err)
		}
		if err := s.step("write bootstrap record"); err != nil {
			return err
		}
		if err := writeSynced(s.path(bootstrapInfoFile+tmpSuffix), b); err != nil {
			return fmt.Errorf("storing the bootstrap record: %w", err)
		}
	}
	if err := s.step("commit sealed keys"); err != nil {
		return err
	}
	if err := os.Rename(s.path(sealedKeysFile+tmpSuffix), s.path(sealedKeysFile)); err != nil {
		return fmt.Errorf("storing root keys: %w", err)
	}
	if info != nil {
		if err := s.step("commit bootstrap record"); err != nil {
			return err
		}
		if err := os.Rename(s.path(bootstrapInfoFile+tmpSuffix), s.path(bootstrapInfoFile)); err != nil {
			return fmt.Errorf("storing the bootstrap record: %w", err)
		}
	}
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("storing root keys: %w", err)
	}
	return nil
}

// recover finishes or undoes a store that a crash interrupted: with the
// sealed keys committed, a complete temporary bootstrap record is renamed
// into place; without them, temporary files are removed.
func (s stateDir) recover(log *zap.Logger) error {
	tmpInfo := s.path(bootstrapInfoFile + tmpSuffix)
	if exists(s.path(sealedKeysFile)) && exists(tmpInfo) && !exists(s.path(bootstrapInfoFile)) {
		if err := os.Rename(tmpInfo, s.path(bootstrapInfoFile)); err != nil {
			return fmt.Errorf("completing the bootstrap record: %w", err)
		}
		log.Warn("completed the bootstrap record an interrupted bootstrap left", zap.String("path", s.path(bootstrapInfoFile)))
		return syncDir(s.dir)
	}
	for _, name := range []string{sealedKeysFile + tmpSuffix, bootstrapInfoFile + tmpSuffix} {
		if err := os.Remove(s.path(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing what an interrupted bootstrap left: %w", err)
		}
	}
	return nil
}

// load unseals the root keys and reads the bootstrap record, if any. keys
// is nil when the directory holds none.
func (s stateDir) load(sealingKey []byte) (keys *RootKeys, info *kmsapi.BootstrapInfo, err error) {
	sealed, err := os.ReadFile(s.path(sealedKeysFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("reading root keys: %w", err)
	}
	if info, err = s.bootstrapInfo(); err != nil {
		return nil, nil, err
	}
	if sealed == nil {
		return nil, info, nil
	}
	if keys, err = UnsealRootKeys(sealed, sealingKey); err != nil {
		return nil, nil, fmt.Errorf("unsealing %s: %w", s.path(sealedKeysFile), err)
	}
	return keys, info, nil
}

// bootstrapInfo reads the bootstrap record; nil when there is none.
func (s stateDir) bootstrapInfo() (*kmsapi.BootstrapInfo, error) {
	b, err := os.ReadFile(s.path(bootstrapInfoFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the bootstrap record: %w", err)
	}
	info := new(kmsapi.BootstrapInfo)
	if err := json.Unmarshal(b, info); err != nil {
		return nil, fmt.Errorf("reading the bootstrap record %s: %w", s.path(bootstrapInfoFile), err)
	}
	return info, nil
}

// missingKeys is the refusal to start when a bootstrap record has no keys.
func (s stateDir) missingKeys() error {
	return fmt.Errorf("%w: %s exists and %s does not. New root keys would change every app key and make every "+
		"encrypted disk unreadable, so the KMS does not make them. Restore %s from a backup (it is sealed to this KMS), "+
		"or set onboard_from to a KMS that holds the published keys, or, to replace the root keys for good, run "+
		"`dstack-kms rebootstrap --config <this configuration>`", ErrRootKeysMissing,
		s.path(bootstrapInfoFile), s.path(sealedKeysFile), sealedKeysFile)
}

// loadOrCreateKeys unseals the root keys from the state directory, or
// onboards, or bootstraps and seals them. It refuses to make new keys when
// the directory records a bootstrap whose keys are gone.
func loadOrCreateKeys(ctx context.Context, cfg Config, p *prepared, log *zap.Logger) (*RootKeys, *kmsapi.BootstrapInfo, error) {
	st := stateDir{dir: cfg.StateDir}
	if err := os.MkdirAll(st.dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("creating the state directory: %w", err)
	}
	if err := st.recover(log); err != nil {
		return nil, nil, err
	}
	keys, info, err := st.load(p.sealingKey)
	if err != nil || keys != nil {
		return keys, info, err
	}
	switch {
	case cfg.OnboardFrom != "":
		if keys, err = Onboard(ctx, p.self, p.auth, cfg.OnboardFrom); err != nil {
			return nil, nil, err
		}
		if info != nil && !bytes.Equal(keys.CAPublicKeyDER(), info.CAPubkey) {
			return nil, nil, fmt.Errorf("%w; the KMS at onboard_from holds other keys than the record's", st.missingKeys())
		}
		log.Info("root keys replicated", zap.String("source", cfg.OnboardFrom))
		info = nil // the record, if any, stays as it is
	case info != nil:
		return nil, nil, st.missingKeys()
	default:
		if keys, info, err = Bootstrap(ctx, p.self, p.auth, nil); err != nil {
			return nil, nil, err
		}
		log.Warn("new root keys bootstrapped: publish them with setKmsInfo", zap.String("path", st.path(bootstrapInfoFile)),
			zap.String("publish", publishCommand(p.auth, st.path(bootstrapInfoFile))))
	}
	if err := st.store(keys, info, p.sealingKey); err != nil {
		return nil, nil, err
	}
	if info == nil {
		info, err = st.bootstrapInfo()
	}
	return keys, info, err
}

// Rebootstrap replaces the root keys of a KMS whose sealed keys are lost:
// it moves the old bootstrap record aside (to bootstrap-info.json.replaced-
// <unix time>), bootstraps new keys and seals them. Every app key changes
// and every disk encrypted under the old keys stays unreadable; the new
// keys must be published with setKmsInfo. It refuses while sealed keys
// exist: move root-keys.sealed away first to replace working keys.
func Rebootstrap(ctx context.Context, cfg Config, log *zap.Logger) (*kmsapi.BootstrapInfo, error) {
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.StateDir == "" {
		return nil, errors.New("state_dir is required")
	}
	p, err := prepare(cfg, log)
	if err != nil {
		return nil, err
	}
	st := stateDir{dir: cfg.StateDir}
	if err := os.MkdirAll(st.dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the state directory: %w", err)
	}
	if err := st.recover(log); err != nil {
		return nil, err
	}
	if exists(st.path(sealedKeysFile)) {
		return nil, fmt.Errorf("rebootstrap refused: %s holds root keys; move it away first if these keys are really to be replaced", st.path(sealedKeysFile))
	}
	keys, info, err := Bootstrap(ctx, p.self, p.auth, nil)
	if err != nil {
		return nil, err
	}
	if exists(st.path(bootstrapInfoFile)) {
		old := fmt.Sprintf("%s.replaced-%d", st.path(bootstrapInfoFile), time.Now().Unix())
		if err := os.Rename(st.path(bootstrapInfoFile), old); err != nil {
			return nil, fmt.Errorf("moving the old bootstrap record aside: %w", err)
		}
		log.Warn("old bootstrap record moved aside", zap.String("path", old))
	}
	if err := st.store(keys, info, p.sealingKey); err != nil {
		return nil, err
	}
	log.Warn("NEW ROOT KEYS: every app key has changed and disks encrypted under the old keys cannot be opened; publish the new keys with setKmsInfo",
		zap.String("bootstrap_info", st.path(bootstrapInfoFile)), zap.String("publish", publishCommand(p.auth, st.path(bootstrapInfoFile))))
	return info, nil
}

// writeSynced writes a file and syncs it to disk before closing it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir syncs a directory, so that renames in it are on disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
