package devstack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeJar writes a jar laid out as real ones are: a directory entry stored
// as a 2-byte empty deflate stream (which zip.Writer cannot copy raw), the
// class to remove, and a class to keep.
func writeJar(t *testing.T, path string) {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	w.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	dir, err := w.CreateRaw(&zip.FileHeader{Name: "org/", Method: zip.Deflate, CompressedSize64: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.Write([]byte{0x03, 0x00}); err == nil {
		t.Fatal("zip.Writer accepted data for a directory; the test no longer reproduces real jars")
	}
	for name, body := range map[string]string{jndiLookupClass: "jndi", "org/Keep.class": "keep me"} {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRemoveZipEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log4j-core.jar")
	writeJar(t, path)
	removed, err := removeZipEntry(path, jndiLookupClass)
	if err != nil || !removed {
		t.Fatalf("first removal: removed=%v err=%v", removed, err)
	}
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	names := map[string]bool{}
	for _, f := range r.File {
		names[f.Name] = true
		if f.Name == "org/Keep.class" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(rc) // also checks the CRC
			rc.Close()
			if err != nil || string(body) != "keep me" {
				t.Errorf("kept class = %q, %v", body, err)
			}
		}
	}
	if names[jndiLookupClass] || !names["org/Keep.class"] || !names["org/"] {
		t.Errorf("entries after removal: %v", names)
	}
	removed, err = removeZipEntry(path, jndiLookupClass)
	if err != nil || removed {
		t.Errorf("second removal: removed=%v err=%v, want a no-op", removed, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestNeedsInstall(t *testing.T) {
	dir := t.TempDir()
	touch := func(rel string, at time.Time) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	check := func(want bool) {
		t.Helper()
		got, err := needsInstall(dir)
		if err != nil || got != want {
			t.Fatalf("needsInstall = %v, %v; want %v", got, err, want)
		}
	}
	now := time.Now()
	touch("package-lock.json", now)
	check(true) // no node_modules
	touch("node_modules/.package-lock.json", now.Add(time.Second))
	check(true) // packages missing
	// npm gives package files a fixed old time; only presence counts.
	touch(dynamoDBLocalDir+"/DynamoDBLocal.jar", time.Unix(499162500, 0))
	touch("node_modules/local-aws-sqs/package.json", time.Unix(499162500, 0))
	check(true) // the SES emulator missing
	touch("node_modules/aws-ses-v2-local/package.json", time.Unix(499162500, 0))
	check(false)
	touch("package-lock.json", now.Add(time.Minute))
	check(true) // lock changed since the install
}
