package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/parcelgate/parcelgate/internal/auth"
)

// Files the local stack keeps in .parcelgate/ (git-ignored).
const (
	stateDir       = ".parcelgate"
	devEnvFile     = "dev.env"
	signingKeyFile = "jwt-signing-key.pem"
	localIssuer    = "urn:parcelgate:local"
	localPrefix    = "parcelgate"
)

// localSigningKey returns the local stack's signing key, made on first use
// and kept, so tokens survive a restart of the dev server.
func localSigningKey() ([]byte, error) {
	path := filepath.Join(stateDir, signingKeyFile)
	data, err := os.ReadFile(path)
	if err == nil {
		_, err = auth.ParsePrivateKey(data)
		return data, err
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	key, err := auth.GenerateKey()
	if err != nil {
		return nil, err
	}
	data, err = auth.EncodePrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, err
	}
	return data, os.WriteFile(path, data, 0o600)
}

// writeDevEnv records how to reach the running local stack, for the
// client command and for scripts.
func writeDevEnv(env map[string]string) error {
	var b strings.Builder
	for _, k := range sortedKeys(env) {
		fmt.Fprintf(&b, "%s=%s\n", k, env[k])
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(stateDir, devEnvFile), []byte(b.String()), 0o600)
}

// loadDevEnv sets, from the running dev server's record, every variable
// the environment does not already set.
func loadDevEnv() error {
	f, err := os.Open(filepath.Join(stateDir, devEnvFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if _, set := os.LookupEnv(k); ok && !set {
			os.Setenv(k, v)
		}
	}
	return sc.Err()
}
