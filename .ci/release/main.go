// Command release builds a Go module proxy in a folder from a commit of
// this repository, at a version given on the command line, so that CI can
// use the module exactly as a user would after a release (go get, go
// install), without publishing anything. It is a module of its own, so
// that golang.org/x/mod, which makes the module zip as the go command
// checks it, stays out of the main module's requirements.
//
//	go run . -repo ../.. -version v0.0.1-ci -proxy /tmp/proxy
//
// then GOPROXY=file:///tmp/proxy,https://proxy.golang.org and
// GONOSUMDB=github.com/wsframe/wsframe (the version is not in the public
// checksum database).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

func main() {
	repo := flag.String("repo", "../..", "the repository's root")
	rev := flag.String("rev", "HEAD", "the commit to release")
	version := flag.String("version", "v0.0.1-ci", "the made-up version")
	proxy := flag.String("proxy", "", "the folder to write the proxy into (required)")
	flag.Parse()
	if *proxy == "" {
		fmt.Fprintln(os.Stderr, "release: -proxy is required")
		os.Exit(2)
	}
	if err := build(*repo, *rev, *version, *proxy); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

// build writes the files the module proxy protocol serves for one
// version of the module at repo: list, .info, .mod and .zip.
func build(repo, rev, version, proxy string) error {
	root, err := filepath.Abs(repo)
	if err != nil {
		return err
	}
	gomod, err := gitShow(root, rev, "go.mod")
	if err != nil {
		return err
	}
	f, err := modfile.ParseLax("go.mod", gomod, nil)
	if err != nil {
		return err
	}
	if f.Module == nil {
		return fmt.Errorf("go.mod at %s names no module", rev)
	}
	if len(f.Replace) > 0 {
		return fmt.Errorf("go.mod has replace directives, which go install refuses")
	}
	mv := module.Version{Path: f.Module.Mod.Path, Version: version}
	if err := module.Check(mv.Path, mv.Version); err != nil {
		return err
	}
	escaped, err := module.EscapePath(mv.Path)
	if err != nil {
		return err
	}
	dir := filepath.Join(proxy, filepath.FromSlash(escaped), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	zf, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		return err
	}
	// From the commit, not the work tree: only what git holds, as a
	// module fetched from the repository would be.
	if err := zip.CreateFromVCS(zf, mv, root, rev, ""); err != nil {
		zf.Close()
		return err
	}
	if err := zf.Close(); err != nil {
		return err
	}
	info, _ := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, time.Now().UTC().Truncate(time.Second)})
	for name, data := range map[string][]byte{
		version + ".info": info,
		version + ".mod":  gomod,
		"list":            []byte(version + "\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%s@%s in %s\n", mv.Path, version, proxy)
	return nil
}

// gitShow returns a file of the commit rev.
func gitShow(root, rev, path string) ([]byte, error) {
	out, err := exec.Command("git", "-C", root, "show", rev+":"+path).Output()
	if err != nil {
		return nil, fmt.Errorf("git show %s:%s: %v", rev, path, err)
	}
	return out, nil
}
