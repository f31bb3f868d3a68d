package natsstore

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TokenFile is the file in the data directory that holds the token NATS
// clients must present to an embedded server that listens (--nats-listen).
const TokenFile = "nats.token"

// clientToken returns the token of the data directory dir, creating it (32
// random bytes, hex) on first use. The file is readable by its owner only,
// nubo's user; a file others could read is refused.
func clientToken(dir string) (string, error) {
	path := filepath.Join(dir, TokenFile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		token := hex.EncodeToString(b[:])
		_, werr := f.WriteString(token + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(path)
			return "", fmt.Errorf("write %s: %w", path, werr)
		}
		return token, nil
	case !errors.Is(err, fs.ErrExist):
		return "", fmt.Errorf("create %s: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s is readable by others (mode %v): make it 0600 (chmod 600 %s)", path, info.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(string(data))
	if len(token) < 32 {
		return "", fmt.Errorf("%s holds no token (at least 32 characters)", path)
	}
	return token, nil
}
