// Command modzip publishes a module from the working tree into a file GOPROXY directory, as
// the proxy would serve it once tagged: @v/list, .info, .mod and a module zip made by
// golang.org/x/mod/zip. .ci/release-check uses it; it is a module of its own so the SDK's
// go.mod never requires golang.org/x/mod.
//
// Usage: modzip -dir redisstore -version v0.1.0 -out /tmp/proxy
package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

func main() {
	dir := flag.String("dir", ".", "module root directory")
	version := flag.String("version", "", "version to publish, e.g. v0.1.0")
	out := flag.String("out", "", "file GOPROXY directory to write into")
	flag.Parse()
	if err := run(*dir, *version, *out); err != nil {
		fmt.Fprintln(os.Stderr, "modzip:", err)
		os.Exit(1)
	}
}

func run(dir, version, out string) error {
	if version == "" || out == "" {
		return fmt.Errorf("-version and -out are required")
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	modPath := modfile.ModulePath(gomod)
	if modPath == "" {
		return fmt.Errorf("%s/go.mod has no module line", dir)
	}
	m := module.Version{Path: modPath, Version: version}
	if err := module.Check(m.Path, m.Version); err != nil {
		return err
	}
	files, nested, err := gitFiles(dir)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := modzip.Create(&buf, m, files); err != nil {
		return err
	}
	if err := checkZip(buf.Bytes(), m, nested); err != nil {
		return err
	}

	esc, err := module.EscapePath(m.Path)
	if err != nil {
		return err
	}
	vdir := filepath.Join(out, filepath.FromSlash(esc), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return err
	}
	info, _ := json.Marshal(struct{ Version, Time string }{version, time.Now().UTC().Format(time.RFC3339)})
	list, _ := os.ReadFile(filepath.Join(vdir, "list"))
	if !bytes.Contains(list, []byte(version+"\n")) {
		list = append(list, version+"\n"...)
	}
	for name, data := range map[string][]byte{
		"list":            list,
		version + ".info": info,
		version + ".mod":  gomod,
		version + ".zip":  buf.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("modzip: %s (%d bytes)\n", m, buf.Len())
	return nil
}

// gitFiles lists what a tag of this tree would hold under dir: tracked and untracked-but-not-
// ignored files, with their working-tree content. nested holds the directories (slash paths
// relative to dir) of modules nested inside, which the zip must leave out.
func gitFiles(dir string) (files []modzip.File, nested []string, err error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
	cmd.Dir = dir
	outb, err := cmd.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("git ls-files in %s: %w", dir, err)
	}
	for _, rel := range strings.Split(string(outb), "\x00") {
		if rel == "" {
			continue
		}
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(rel)))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			return nil, nil, err
		}
		if fi.Size() > 1<<20 {
			// A module zip is what every user downloads; a build output here is a mistake.
			fmt.Fprintf(os.Stderr, "modzip: warning: %s/%s is %d bytes\n", dir, rel, fi.Size())
		}
		if path.Base(rel) == "go.mod" && rel != "go.mod" {
			nested = append(nested, path.Dir(rel)+"/")
		}
		files = append(files, osFile{dir: dir, rel: rel, info: fi})
	}
	return files, nested, nil
}

// checkZip re-reads the zip: every name under "module@version/", none inside a nested module,
// and golang.org/x/mod/zip's own validity check.
func checkZip(data []byte, m module.Version, nested []string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	prefix := m.Path + "@" + m.Version + "/"
	for _, f := range zr.File {
		name, ok := strings.CutPrefix(f.Name, prefix)
		if !ok {
			return fmt.Errorf("zip entry %q lacks prefix %q", f.Name, prefix)
		}
		for _, n := range nested {
			if strings.HasPrefix(name, n) {
				return fmt.Errorf("zip entry %q is inside nested module %s", f.Name, n)
			}
		}
	}
	tmp, err := os.CreateTemp("", "modzip-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	_, err = modzip.CheckZip(m, tmp.Name())
	return err
}

type osFile struct {
	dir, rel string
	info     os.FileInfo
}

func (f osFile) Path() string                { return f.rel }
func (f osFile) Lstat() (os.FileInfo, error) { return f.info, nil }
func (f osFile) Open() (io.ReadCloser, error) {
	return os.Open(filepath.Join(f.dir, filepath.FromSlash(f.rel)))
}
