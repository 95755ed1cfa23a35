package gateway

import (
	"reflect"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
)

// adminListen returns where Caddy's admin API of the configuration being
// provisioned listens ("" when it is disabled) and whether it could be
// learned. Caddy exposes the running configuration to modules only through
// its Context, whose config is unexported; Caddy starts the admin endpoint,
// filling in its default address, before it provisions any app, so the
// address read here is the one that is listening. The read is by
// reflection and read-only; a Caddy whose Context no longer has this shape
// yields ok == false, never a panic.
func adminListen(ctx caddy.Context) (listen string, ok bool) {
	v := reflect.ValueOf(ctx).FieldByName("cfg")
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		return "", false
	}
	admin := v.Elem().FieldByName("Admin")
	if !admin.IsValid() || admin.Kind() != reflect.Pointer {
		return "", false
	}
	if admin.IsNil() {
		return caddy.DefaultAdminListen, true
	}
	if d := admin.Elem().FieldByName("Disabled"); d.IsValid() && d.Kind() == reflect.Bool && d.Bool() {
		return "", true
	}
	l := admin.Elem().FieldByName("Listen")
	if !l.IsValid() || l.Kind() != reflect.String {
		return "", false
	}
	if l.String() == "" {
		return caddy.DefaultAdminListen, true
	}
	return l.String(), true
}

// warnAdminTCP logs a warning when Caddy's admin API listens on a TCP
// address: any process on the host can then read the whole configuration
// (the simulated-TEE seed when one is set) and POST /load a weaker policy.
// A unix socket with mode 0600 limits it to the gateway's own user.
func warnAdminTCP(ctx caddy.Context, log *zap.Logger) {
	listen, ok := adminListen(ctx)
	if !ok {
		log.Warn("cannot tell where Caddy's admin API listens; unless it is disabled or on a unix socket, anyone on the host can read the config and load a weaker policy",
			zap.String("fix", `admin "unix//run/dstack/caddy-admin.sock|0600" (or admin off)`))
		return
	}
	if listen == "" {
		return
	}
	addr, err := caddy.ParseNetworkAddress(listen)
	if err == nil && addr.IsUnixNetwork() {
		return
	}
	log.Warn("Caddy's admin API listens on TCP: anyone on the host can read the config and POST /load a weaker policy; bind it to a unix socket",
		zap.String("admin", listen), zap.String("fix", `admin "unix//run/dstack/caddy-admin.sock|0600" (or admin off)`))
}
