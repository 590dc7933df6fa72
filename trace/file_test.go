package trace_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
)

// TestCreateFile checks that a trace file is readable by its owner only,
// whether it is new or replaces a file that was readable by all, and
// that a symbolic link where it goes is refused and its target untouched.
func TestCreateFile(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.json")
	old := filepath.Join(dir, "old.json")
	if err := os.WriteFile(old, []byte("an older trace"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{fresh, old} {
		f, err := trace.CreateFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 || st.Size() != 0 {
			t.Errorf("CreateFile(%s): mode %v, %d bytes; want -rw------- and empty", name, st.Mode().Perm(), st.Size())
		}
	}

	target := filepath.Join(dir, "someone-elses-file")
	if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "trace.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if f, err := trace.CreateFile(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		if f != nil {
			f.Close()
		}
		t.Errorf("CreateFile(a symbolic link) = %v; want it refused", err)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "keep me" {
		t.Errorf("the link's target now holds %q (%v); want it untouched", b, err)
	}
}
