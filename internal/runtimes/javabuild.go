package runtimes

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The Java client targets Java 11 so that every supported java* runtime
// (java8.al2 included) runs it on a JDK 11 or newer.
const javaRelease = "11"

// javaMain is the Java client's entry point.
const javaMain = "dev.nubo.lambda.runtime.Main"

// javaFlagsFile holds the JVM defaults of AWS's java17 and later runtimes,
// relative to the runtime directory. Garbage collection is left to the
// JVM's ergonomics (serial in small sandboxes): naming a collector here
// would conflict with one chosen through JAVA_TOOL_OPTIONS.
const javaFlagsFile = "java/lambda.flags"

const javaFlags = "+TieredCompilation\nTieredStopAtLevel=1\n"

// javacTimeout bounds the one-time compile of the Java client.
const javacTimeout = 3 * time.Minute

// javaSources returns the embedded Java sources by path, and a hash over
// them and the compiler settings that names the compiled tree.
func javaSources() (map[string][]byte, string, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(clients, "clients/java", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".java") {
			return err
		}
		data, err := clients.ReadFile(name)
		if err != nil {
			return err
		}
		files[strings.TrimPrefix(name, "clients/java/")] = data
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("read java client: %w", err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	fmt.Fprintf(h, "release=%s\n", javaRelease)
	for _, n := range names {
		fmt.Fprintf(h, "%s %d\n", n, len(files[n]))
		h.Write(files[n])
	}
	return files, hex.EncodeToString(h.Sum(nil))[:16], nil
}

// javaClassesDir is the compiled client's directory, relative to the runtime
// directory.
func javaClassesDir(hash string) string { return "java/classes-" + hash }

// buildJava compiles the Java client with javac into dir/java/classes-<hash>
// unless that tree is already there, and removes trees of other hashes.
// It returns the tree's path relative to dir.
func buildJava(ctx context.Context, dir, javac string) (string, error) {
	files, hash, err := javaSources()
	if err != nil {
		return "", err
	}
	rel := javaClassesDir(hash)
	final := filepath.Join(dir, rel)
	base := filepath.Join(dir, "java")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", fmt.Errorf("create java directory: %w", err)
	}
	if err := writeFile(filepath.Join(dir, javaFlagsFile), []byte(javaFlags)); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(final, "dev", "nubo", "lambda", "runtime", "Main.class")); err == nil {
		return rel, nil
	}
	work, err := os.MkdirTemp(base, ".build-")
	if err != nil {
		return "", fmt.Errorf("create java build directory: %w", err)
	}
	defer os.RemoveAll(work)

	args := []string{"-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "--release", javaRelease, "-encoding", "UTF-8", "-nowarn", "-d", filepath.Join(work, "classes")}
	for name, data := range files {
		src := filepath.Join(work, "src", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
			return "", fmt.Errorf("write java source: %w", err)
		}
		if err := os.WriteFile(src, data, 0o644); err != nil {
			return "", fmt.Errorf("write java source: %w", err)
		}
		args = append(args, src)
	}
	ctx, cancel := context.WithTimeout(ctx, javacTimeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, javac, args...)
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("compile java client with %s: %w: %s", javac, err, strings.TrimSpace(out.String()))
	}
	if err := os.Chmod(filepath.Join(work, "classes"), 0o755); err != nil {
		return "", fmt.Errorf("compile java client: %w", err)
	}
	if err := os.Rename(filepath.Join(work, "classes"), final); err != nil {
		// Another nubo process sharing dir may have won the race.
		if _, statErr := os.Stat(final); statErr != nil {
			return "", fmt.Errorf("install java client: %w", err)
		}
	}
	removeStaleJava(base, filepath.Base(final))
	// The linux driver keeps copies of the runtime directory by its
	// modification time; one copied while javac ran has no classes.
	now := time.Now()
	if err := os.Chtimes(dir, now, now); err != nil {
		return "", fmt.Errorf("install java client: %w", err)
	}
	return rel, nil
}

func removeStaleJava(base, keep string) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "classes-") && e.Name() != keep {
			os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
}
