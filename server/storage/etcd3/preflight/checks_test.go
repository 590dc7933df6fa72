package preflight_test

import (
	"net"
	"testing"

	"github.com/kubewalk/kubewalk/server/storage/etcd3/preflight"
)

// TestCheckEtcdServers checks that one reachable server is enough, and
// that none is not.
func TestCheckEtcdServers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	up := "http://" + ln.Addr().String()
	// Port 0 can be bound (the system picks one) but never connected to.
	const downURL = "http://127.0.0.1:0"
	defer ln.Close()

	if done, err := (preflight.EtcdConnection{ServerList: []string{downURL, up}}).CheckEtcdServers(); !done || err != nil {
		t.Errorf("one of two reachable: %v, %v; want true", done, err)
	}
	if done, err := (preflight.EtcdConnection{ServerList: []string{downURL}}).CheckEtcdServers(); done || err != nil {
		t.Errorf("none reachable: %v, %v; want false, no error", done, err)
	}
	if _, err := (preflight.EtcdConnection{ServerList: []string{"http://[::1"}}).CheckEtcdServers(); err == nil {
		t.Error("a URL that does not parse: no error")
	}
}
