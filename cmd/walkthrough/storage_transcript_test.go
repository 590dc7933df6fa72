package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/storage/etcd3/etcdtest"
)

// TestStorageTranscript records the storage chapter's session, a
// walkthrough on Debian's etcd and what etcdctl shows of it, and checks
// that the book (docs/transcripts/storage.txt) shows it as it is today;
// with -update it rewrites it. It needs etcd and etcdctl
// (scripts/install-etcd).
func TestStorageTranscript(t *testing.T) {
	etcd := etcdtest.Start(t)
	etcdctl, err := exec.LookPath("etcdctl")
	if err != nil {
		etcdtest.Require(t) // etcd alone is not enough: skip, or fail under CI, on the same rule
		t.Fatalf("etcdctl is not installed (scripts/install-etcd installs Debian's etcd-client): %v", err)
	}
	cmd, addr := child(t, "--serve --log-level=warn --trace-file= --etcd-servers="+etcd.ClientURL)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	c := &http.Client{Timeout: 10 * time.Second}
	base := "http://" + addr
	waitStatus(t, c, base+"/healthz", http.StatusOK)
	code, status := send(t, c, http.MethodPost, base+"/api/v1/namespaces", `{"metadata":{"name":"demo"}}`)
	if code != http.StatusCreated {
		t.Fatalf("creating the namespace demo: %d %+v", code, status)
	}

	var b strings.Builder
	b.WriteString("$ go run ./cmd/walkthrough --serve --etcd-servers=http://127.0.0.1:2379 &\n")
	b.WriteString("$ curl -s -o /dev/null -w '%{http_code}\\n' -H 'Content-Type: application/json' \\\n" +
		"    -d '{\"metadata\":{\"name\":\"demo\"}}' http://127.0.0.1:8080/api/v1/namespaces\n")
	b.WriteString(strconv.Itoa(code) + "\n")
	b.WriteString("$ export ETCDCTL_API=3\n")
	run := func(shown string, args ...string) []byte {
		t.Helper()
		ctl := exec.Command(etcdctl, append([]string{"--endpoints", etcd.ClientURL}, args...)...)
		ctl.Env = append(os.Environ(), "ETCDCTL_API=3")
		got, err := ctl.Output()
		if err != nil {
			t.Fatalf("etcdctl %s: %v", strings.Join(args, " "), err)
		}
		b.WriteString("$ " + shown + "\n")
		return got
	}
	keys := run("etcdctl get --prefix /registry --keys-only", "get", "--prefix", "/registry", "--keys-only")
	for _, key := range strings.Fields(string(keys)) { // etcdctl separates them with blank lines
		b.WriteString(key + "\n")
	}
	value := run("etcdctl get /registry/namespaces/demo --print-value-only | head -c 21 | od -c",
		"get", "/registry/namespaces/demo", "--print-value-only")
	if len(value) < 21 {
		t.Fatalf("the value of /registry/namespaces/demo is %d bytes: %q", len(value), value)
	}
	od := exec.Command("od", "-c")
	od.Stdin = bytes.NewReader(value[:21])
	dump, err := od.Output()
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString(string(dump))
	text := b.String() // the commands show etcd's and the walkthrough's default addresses

	path := filepath.Join("..", "..", "docs", "transcripts", "storage.txt")
	if *update {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/walkthrough -run TestStorageTranscript -update)", err)
	}
	if string(want) != text {
		t.Errorf("%s is stale; run go test ./cmd/walkthrough -run TestStorageTranscript -update\n--- book\n%s--- run\n%s", path, want, text)
	}
}
