// Command testapp is the program inside the test image: a static binary that
// shows the runner's plumbing (args, env, cwd, user, volumes, ports, the
// agent socket, exit codes, start order) through files and HTTP.
//
//	testapp [-append FILE=LINE]... [-write FILE=TEXT]... [-copy SRC=DST]... [-probe SOCKET=FILE]
//	        [-serve ADDR] [-exit N] [-fail-unless-file FILE] [-ignore-term] [args...]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var appends, writes, probes, copies multi
	flag.Var(&appends, "append", "FILE=LINE: append LINE to FILE")
	flag.Var(&writes, "write", "FILE=TEXT: write TEXT to FILE")
	flag.Var(&copies, "copy", "SRC=DST: copy file SRC to DST")
	flag.Var(&probes, "probe", "SOCKET=FILE: GET /Info over the unix SOCKET, write the body to FILE")
	serve := flag.String("serve", "", "serve HTTP on ADDR until killed")
	exit := flag.Int("exit", 0, "exit code when not serving")
	ignoreTerm := flag.Bool("ignore-term", false, "ignore SIGTERM")
	failUnless := flag.String("fail-unless-file", "", "exit 1 (after -append) unless FILE exists, then create it")
	flag.Parse()

	if *ignoreTerm {
		signal.Ignore(syscall.SIGTERM)
	}
	for _, a := range appends {
		file, line, _ := strings.Cut(a, "=")
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
		check(err)
		_ = f.Chmod(0o666) // shared by services running as different users
		_, err = fmt.Fprintln(f, line)
		check(err)
		check(f.Close())
	}
	for _, w := range writes {
		file, text, _ := strings.Cut(w, "=")
		check(os.WriteFile(file, []byte(text), 0o644))
	}
	for _, c := range copies {
		src, dst, _ := strings.Cut(c, "=")
		b, err := os.ReadFile(src)
		check(err)
		check(os.WriteFile(dst, b, 0o644))
	}
	for _, p := range probes {
		sock, file, _ := strings.Cut(p, "=")
		c := http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}, Timeout: time.Minute}
		resp, err := c.Get("http://dstack/Info")
		check(err)
		body, err := io.ReadAll(resp.Body)
		check(err)
		check(os.WriteFile(file, body, 0o644))
	}
	if *failUnless != "" {
		if _, err := os.Stat(*failUnless); err != nil {
			check(os.WriteFile(*failUnless, nil, 0o644))
			fmt.Println("failing on purpose")
			os.Exit(1)
		}
	}
	fmt.Println("testapp running", strings.Join(os.Args[1:], " "))
	if *serve == "" {
		os.Exit(*exit)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		cwd, _ := os.Getwd()
		host, _ := os.Hostname()
		_ = json.NewEncoder(w).Encode(map[string]any{
			"args": os.Args, "env": os.Environ(), "cwd": cwd, "hostname": host,
			"uid": os.Getuid(), "gid": os.Getgid(), "pid": os.Getpid(),
		})
	})
	check(http.ListenAndServe(*serve, nil))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "testapp:", err)
		os.Exit(2)
	}
}
