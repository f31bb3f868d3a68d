package runtimes

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// clients holds the runtime clients' sources, one directory per family.
//
//go:embed clients
var clients embed.FS

// writeClients writes the script clients (everything but Java, which is
// compiled instead) under dir. Files are replaced atomically and only when
// their content changed, so interpreters' bytecode caches stay valid.
func writeClients(dir string) error {
	for _, f := range []family{python, nodejs, ruby} {
		if err := writeTree(dir, clientDir(f)); err != nil {
			return err
		}
	}
	return nil
}

// clientDir is where a family's client lives, both in the embedded tree and
// under the runtime directory.
func clientDir(f family) string {
	if f == nodejs {
		return "node"
	}
	return string(f)
}

func writeTree(dir, sub string) error {
	root := "clients/" + sub
	return fs.WalkDir(clients, root, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel("clients", name)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fmt.Errorf("create runtime directory: %w", err)
			}
			return nil
		}
		data, err := clients.ReadFile(name)
		if err != nil {
			return err
		}
		return writeFile(dst, data)
	})
}

// writeFile replaces dst with data unless it already holds exactly that.
func writeFile(dst string, data []byte) error {
	if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-"+filepath.Base(dst)+"-*")
	if err != nil {
		return fmt.Errorf("write runtime file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write runtime file: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write runtime file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write runtime file: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("write runtime file: %w", err)
	}
	return nil
}
