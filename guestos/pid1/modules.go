package pid1

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// ModuleList is the file in the image that lists the kernel modules to load,
// one absolute path of a .ko file a line, in load order (a module after
// those whose symbols it uses); blank lines and lines starting with # are
// ignored.
const ModuleList = "/etc/dstack/modules.load"

// maxModules bounds the list.
const maxModules = 512

// ParseModuleList parses a module list.
func ParseModuleList(r io.Reader) ([]string, error) {
	var mods []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case !path.IsAbs(line) || path.Clean(line) != line:
			return nil, fmt.Errorf("module list line %d: %q is not a clean absolute path", n, line)
		case !strings.HasSuffix(line, ".ko"):
			return nil, fmt.Errorf("module list line %d: %q is not an uncompressed .ko file", n, line)
		case seen[line]:
			return nil, fmt.Errorf("module list line %d: %q listed twice", n, line)
		case len(mods) == maxModules:
			return nil, fmt.Errorf("module list: more than %d modules", maxModules)
		}
		seen[line] = true
		mods = append(mods, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the module list: %w", err)
	}
	return mods, nil
}

// ErrModuleLoaded is what a loader returns for a module the kernel already
// has (EEXIST): not a failure.
var ErrModuleLoaded = errors.New("module already loaded")

// ErrNoDevice is what a loader returns for a driver whose hardware is
// absent (ENODEV), such as tdx-guest outside a TD. It is not a failure of
// the setup: what needs the device fails closed when it opens it.
var ErrNoDevice = errors.New("no such device")

// LoadModules loads mods in order with load, stopping at the first failure.
// It returns the modules skipped because their device is absent.
func LoadModules(mods []string, load func(path string) error) (noDevice []string, err error) {
	for _, m := range mods {
		err := load(m)
		switch {
		case errors.Is(err, ErrNoDevice):
			noDevice = append(noDevice, m)
		case err != nil && !errors.Is(err, ErrModuleLoaded):
			return noDevice, fmt.Errorf("loading %s (a module it needs must be listed before it): %w", m, err)
		}
	}
	return noDevice, nil
}
