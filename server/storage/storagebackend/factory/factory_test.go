package factory_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/cert/certtest"
	"github.com/kubewalk/kubewalk/server/storage/etcd3/etcdproc"
	"github.com/kubewalk/kubewalk/server/storage/etcd3/etcdtest"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend/factory"
	"github.com/kubewalk/kubewalk/server/storage/storagetest"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// etcd's client and the compactor start goroutines: Destroy must end
// them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// writePair writes c's certificate and key as PEM files in dir and
// returns their paths.
func writePair(t *testing.T, dir, name string, c certPair) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	key, err := x509.MarshalPKCS8PrivateKey(c.key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

type certPair struct {
	cert []byte
	key  any
}

// TestETCD3OverTLS checks --etcd-cafile, --etcd-certfile and
// --etcd-keyfile against an etcd that serves TLS and requires client
// certificates: with them, the storage stores; without a client
// certificate, etcd refuses it, and the call ends at its deadline.
func TestETCD3OverTLS(t *testing.T) {
	dir := t.TempDir()
	ca := certtest.NewCA(t, "etcd-ca")
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	serving := certtest.ClientTemplate("etcd")
	serving.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	serving.ExtKeyUsage = append(serving.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	s := ca.Sign(t, serving)
	serverCert, serverKey := writePair(t, dir, "etcd", certPair{s.Certificate[0], s.PrivateKey})
	c := ca.Client(t, "kube-apiserver")
	clientCert, clientKey := writePair(t, dir, "client", certPair{c.Certificate[0], c.PrivateKey})

	etcd := etcdtest.Start(t, etcdproc.TLS(serverCert, serverKey, caFile))
	config := storagebackend.Config{ServerList: etcd.Endpoints(), Prefix: "/registry", Codec: storagetest.Codec(),
		CertFile: clientCert, KeyFile: clientKey, CAFile: caFile}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, destroy, err := factory.Create(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	defer destroy()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}}
	if err := store.Create(ctx, "/namespaces/demo", ns, nil); err != nil {
		t.Fatalf("Create over TLS with a client certificate: %v", err)
	}

	config.CertFile, config.KeyFile = "", ""
	anonymous, destroyAnonymous, err := factory.Create(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	defer destroyAnonymous()
	short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
	defer cancelShort()
	if err := anonymous.Get(short, "/namespaces/demo", "", &corev1.Namespace{}, false); err == nil {
		t.Error("Get without a client certificate from an etcd that requires one: no error")
	}
}
