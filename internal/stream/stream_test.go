package stream

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLength(t *testing.T) {
	t.Parallel()
	if n := Length(bytes.NewReader(make([]byte, 42))); n != 42 {
		t.Errorf("bytes.Reader: %d", n)
	}
	if n := Length(strings.NewReader("abc")); n != 3 {
		t.Errorf("strings.Reader: %d", n)
	}
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, make([]byte, 100), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(30, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n := Length(f); n != 70 {
		t.Errorf("file read from 30: %d, want 70", n)
	}
	if n := Length(io.MultiReader(strings.NewReader("x"))); n != -1 {
		t.Errorf("unknown: %d, want -1", n)
	}
}

func TestCap(t *testing.T) {
	t.Parallel()
	tooBig := errors.New("too big")
	if b, err := io.ReadAll(Cap(strings.NewReader("12345"), 5, tooBig)); err != nil || string(b) != "12345" {
		t.Errorf("at the limit: %q, %v", b, err)
	}
	if _, err := io.ReadAll(Cap(strings.NewReader("123456"), 5, tooBig)); !errors.Is(err, tooBig) {
		t.Errorf("over the limit: %v, want the cap's error", err)
	}
}
