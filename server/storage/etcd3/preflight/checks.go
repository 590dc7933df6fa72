// Package preflight tells whether any etcd server can be reached: a TCP
// connection to each in turn, given a second. kube-apiserver polls it
// before it builds anything (v1.7), and v1.8's etcd health check runs it
// for every /healthz.
//
// # Upstream
//
// k8s.io/apiserver/pkg/storage/etcd3/preflight/checks.go at
// kubernetes-1.8.0 (EtcdConnection, CheckEtcdServers). In v1.7 the same
// check lived in kube-apiserver, cmd/kube-apiserver/app/preflight, and
// dialed tcp whatever the URL's scheme; v1.8's maps http, https and tcp to
// tcp, which is what the walkthrough's URLs need.
package preflight

import (
	"fmt"
	"net"
	"net/url"
	"time"
)

// connectionTimeout bounds each attempt.
const connectionTimeout = 1 * time.Second

// EtcdConnection is the etcd servers to check.
type EtcdConnection struct {
	ServerList []string
}

// serverReachable reports whether a TCP connection to connURL's host
// opens within connectionTimeout.
func (EtcdConnection) serverReachable(connURL *url.URL) bool {
	scheme := connURL.Scheme
	if scheme == "http" || scheme == "https" || scheme == "tcp" {
		scheme = "tcp"
	}
	if conn, err := net.DialTimeout(scheme, connURL.Host, connectionTimeout); err == nil {
		conn.Close()
		return true
	}
	return false
}

func parseServerURI(serverURI string) (*url.URL, error) {
	connURL, err := url.Parse(serverURI)
	if err != nil {
		return &url.URL{}, fmt.Errorf("unable to parse etcd url: %v", err)
	}
	return connURL, nil
}

// CheckEtcdServers tries each server once, in order, and reports whether
// one could be reached; a URL that does not parse is an error. Its shape
// is a wait.ConditionFunc's: kube-apiserver polls it.
func (con EtcdConnection) CheckEtcdServers() (done bool, err error) {
	for _, serverURI := range con.ServerList {
		host, err := parseServerURI(serverURI)
		if err != nil {
			return false, err
		}
		if con.serverReachable(host) {
			return true, nil
		}
	}
	return false, nil
}
