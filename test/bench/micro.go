package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// microResult is one go test benchmark over its -count runs.
type microResult struct {
	Pkg    string
	Name   string
	Values map[string]spread // unit (tidied: sec/op, B/op, req/s…) → runs
	order  []string
}

func (m *microResult) units() []string { return m.order }

// parseMicro reads go test -bench output. Packages and benchmarks keep the
// order they first appear in.
func parseMicro(r io.Reader) ([]microResult, error) {
	var out []microResult
	index := map[string]int{}
	br := benchfmt.NewReader(r, "go test")
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue // syntax errors and unit metadata
		}
		pkg := strings.TrimPrefix(res.GetConfig("pkg"), "github.com/dstack-go/dstack/")
		// The name without its GOMAXPROCS suffix, sub-benchmarks kept.
		base, parts := res.Name.Parts()
		name := strings.TrimPrefix(string(base), "Benchmark")
		for _, p := range parts {
			if p[0] == '/' {
				name += string(p)
			}
		}
		key := pkg + " " + name
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, microResult{Pkg: pkg, Name: name, Values: map[string]spread{}})
		}
		m := &out[i]
		for _, v := range res.Values {
			if !slices.Contains(m.order, v.Unit) {
				m.order = append(m.order, v.Unit)
			}
			m.Values[v.Unit] = append(m.Values[v.Unit], v.Value)
		}
	}
	if err := br.Err(); err != nil {
		return nil, fmt.Errorf("reading benchmark output: %w", err)
	}
	return out, nil
}

// runMicro runs the packages' benchmarks with go test in the module's
// directory, echoing go test's output to log, and parses their lines.
func runMicro(ctx context.Context, goCmd, dir, benchtime string, count int, pkgs []string, log io.Writer) ([]microResult, error) {
	return runMicroMatching(ctx, goCmd, dir, ".", benchtime, count, pkgs, log)
}

// runMicroMatching is runMicro of the benchmarks whose names match pattern
// (go test -bench).
func runMicroMatching(ctx context.Context, goCmd, dir, pattern, benchtime string, count int, pkgs []string, log io.Writer) ([]microResult, error) {
	// go test's default timeout of 10 minutes is less than the threshold
	// KMS's DKGs and resharings take at -count 3 on a busy machine.
	args := append([]string{"test", "-run", "^$", "-bench", pattern, "-benchmem", "-benchtime", benchtime, "-count", fmt.Sprint(count), "-timeout", "2h"}, pkgs...)
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(&buf, log)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("running %s %s: %w", goCmd, strings.Join(args, " "), err)
	}
	return parseMicro(&buf)
}
