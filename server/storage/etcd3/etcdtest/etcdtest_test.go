package etcdtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/storage/etcd3/etcdtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestKillAndRestart checks the helper itself: a key written before a
// kill is there after the restart, at the same address.
func TestKillAndRestart(t *testing.T) {
	etcd := etcdtest.Start(t)
	c := etcd.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Put(ctx, "/k", "v"); err != nil {
		t.Fatal(err)
	}
	url := etcd.ClientURL
	etcd.Kill()
	etcd.Restart()
	if etcd.ClientURL != url {
		t.Errorf("after Restart, ClientURL = %s; want %s again", etcd.ClientURL, url)
	}
	etcd.WaitHealthy(c)
	resp, err := c.Get(ctx, "/k")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "v" {
		t.Fatalf("Get /k after the restart = %v, %v; want v", resp, err)
	}
}
