// Command vmapp is the app TestVMBoot runs as a container in the guest
// VM. It asks the guest agent (the socket mounted at /var/run/dstack.sock)
// for its instance id, keeps a marker ($MARKER, written on its first start)
// and a start count in its volume at /data, and serves all three on
// 0.0.0.0:$PORT.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	agent := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", "/var/run/dstack.sock")
		},
	}}
	res, err := agent.Post("http://dstack/Info", "application/json", strings.NewReader("{}"))
	if err != nil {
		log.Fatalf("agent Info: %v", err)
	}
	var info struct {
		InstanceID string `json:"instance_id"`
	}
	err = json.NewDecoder(res.Body).Decode(&info)
	res.Body.Close()
	if err != nil {
		log.Fatalf("agent Info: %v", err)
	}
	// The marker fills a few KiB, so that a plaintext copy of it on the
	// disk could not be missed.
	marker, err := os.ReadFile("/data/marker")
	if os.IsNotExist(err) {
		marker = []byte(strings.Repeat(os.Getenv("MARKER")+"\n", 256))
		err = os.WriteFile("/data/marker", marker, 0o600)
	}
	if err != nil {
		log.Fatalf("marker: %v", err)
	}
	first, _, _ := strings.Cut(string(marker), "\n")
	b, _ := os.ReadFile("/data/starts")
	starts, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	starts++
	if err := os.WriteFile("/data/starts", []byte(strconv.Itoa(starts)), 0o600); err != nil {
		log.Fatalf("starts: %v", err)
	}
	http.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "instance_id %s\nmarker %s\nstarts %d\n", info.InstanceID, first, starts)
	})
	srv := &http.Server{Addr: ":" + os.Getenv("PORT"), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
