package containers

import (
	"os"

	"github.com/opencontainers/runc/libcontainer"
	// nsenter joins the container's namespaces (cgo) before the Go runtime
	// starts in the re-executed init process.
	_ "github.com/opencontainers/runc/libcontainer/nsenter"
)

// initPipeEnv is the variable libcontainer sets for the re-executed init.
const initPipeEnv = "_LIBCONTAINER_INITPIPE"

func init() {
	if len(os.Args) > 1 && os.Args[1] == "init" && os.Getenv(initPipeEnv) != "" {
		// The Go half of the container init, after nsenter's nsexec; it
		// execs the service's process and never returns.
		libcontainer.Init()
	}
}
