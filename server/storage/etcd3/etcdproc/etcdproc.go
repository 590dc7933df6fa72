// Package etcdproc runs Debian's etcd (etcd-server) as a child process,
// for tests and for the walkthrough's --break=etcd: on loopback ports
// etcd picks itself, with a data directory the caller gives. It can kill
// the process as a crash would, and start it again on the same data and
// the same client address.
//
// etcd is asked to listen on port 0 for clients and peers, and the client
// address it got is read from its own log ("serving client traffic"): no
// port is picked by binding and closing a socket.
package etcdproc

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// StartTimeout bounds how long etcd may take to serve clients: about a
// second on an idle machine, more on a loaded one.
const StartTimeout = 30 * time.Second

// ErrNotInstalled is returned when there is no etcd binary.
var ErrNotInstalled = errors.New("etcd is not installed (scripts/install-etcd installs Debian's etcd-server)")

// Process is one etcd process, and the data it keeps between runs.
type Process struct {
	// ClientURL is where clients reach it: http://127.0.0.1:<port>.
	ClientURL string

	binary  string
	dir     string // holds data/ and the logs
	scheme  string // of the client URL: http, or https with TLS
	tlsArgs []string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once cmd has exited and been reaped
	logPath string
	starts  int
}

// An Option changes how etcd is started.
type Option func(*Process)

// TLS makes etcd serve clients over TLS with certFile and keyFile, and
// ask them for a certificate signed by the CA in caFile.
func TLS(certFile, keyFile, caFile string) Option {
	return func(p *Process) {
		p.scheme = "https"
		p.tlsArgs = []string{"--cert-file", certFile, "--key-file", keyFile,
			"--trusted-ca-file", caFile, "--client-cert-auth"}
	}
}

// Start starts etcd with its data and logs in dir, which must exist, and
// returns once it serves clients. It fails with ErrNotInstalled when
// there is no etcd binary, and when etcd does not serve within
// StartTimeout.
func Start(dir string, opts ...Option) (*Process, error) {
	binary, err := exec.LookPath("etcd")
	if err != nil {
		return nil, ErrNotInstalled
	}
	p := &Process{binary: binary, dir: dir, scheme: "http"}
	for _, opt := range opts {
		opt(p)
	}
	if err := p.start(p.scheme + "://127.0.0.1:0"); err != nil {
		return nil, err
	}
	return p, nil
}

// Endpoints returns the client URLs, as --etcd-servers takes them.
func (p *Process) Endpoints() []string { return []string{p.ClientURL} }

// Kill kills etcd with SIGKILL, as a crash would, and waits until it has
// exited. Its data stays, for Restart.
func (p *Process) Kill() {
	if p.Running() {
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.exited
	}
}

// Stop stops etcd with SIGTERM (SIGKILL after 10 s) and waits until it
// has exited.
func (p *Process) Stop() {
	if !p.Running() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.Kill()
	}
}

// Restart starts etcd again, after Kill or Stop, on the same data and
// the same client address. The address was free a moment ago; if
// something took it meanwhile, Restart tries again for a few seconds.
func (p *Process) Restart() error {
	if p.Running() {
		return errors.New("etcdproc: Restart while etcd runs")
	}
	var err error
	for range 50 {
		if err = p.start(p.ClientURL); err == nil || !strings.Contains(p.Log(), "address already in use") {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// Log returns what the current etcd process has logged.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// Running reports whether the etcd process runs.
func (p *Process) Running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// start runs etcd with clients served at clientURL and waits until it
// says where it serves them.
func (p *Process) start(clientURL string) error {
	p.starts++
	p.logPath = filepath.Join(p.dir, fmt.Sprintf("etcd-%d.log", p.starts))
	logFile, err := os.Create(p.logPath)
	if err != nil {
		return err
	}
	defer logFile.Close() // the process has its own descriptor
	const peerURL = "http://127.0.0.1:0"
	cmd := exec.Command(p.binary,
		"--name", "default",
		"--data-dir", filepath.Join(p.dir, "data"),
		"--listen-client-urls", clientURL,
		"--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL,
		"--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL,
		"--logger", "zap", "--log-outputs", "stderr")
	cmd.Args = append(cmd.Args, p.tlsArgs...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("etcdproc: starting %s: %v", p.binary, err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	exited := p.exited
	go func() { // reaps etcd; ends when it exits, which Kill and Stop wait for
		cmd.Wait()
		close(exited)
	}()
	addr, err := p.waitServing()
	if err != nil {
		p.Kill()
		return err
	}
	p.ClientURL = p.scheme + "://" + addr
	return nil
}

// waitServing polls etcd's log until it says where it serves clients,
// etcd exits, or StartTimeout passes.
func (p *Process) waitServing() (string, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(StartTimeout)
	for {
		if addr, ok := p.servingAddress(); ok {
			return addr, nil
		}
		select {
		case <-p.exited:
			return "", fmt.Errorf("etcdproc: etcd exited before serving clients; its log:\n%s", p.Log())
		case <-deadline:
			return "", fmt.Errorf("etcdproc: etcd did not serve clients within %v; its log:\n%s", StartTimeout, p.Log())
		case <-tick.C:
		}
	}
}

// servingAddress returns the address of etcd's "serving client traffic"
// log line, if it has written one.
func (p *Process) servingAddress() (string, bool) {
	f, err := os.Open(p.logPath)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Msg     string `json:"msg"`
			Address string `json:"address"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && strings.HasPrefix(line.Msg, "serving client traffic") {
			return line.Address, true
		}
	}
	return "", false
}
