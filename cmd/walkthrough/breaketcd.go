package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server/storage/etcd3/etcdproc"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// tourOutage is what a fault has the tour do after its watch is open and
// before it stops the run: the tour's client, its insecure port's URL and
// its watch (nil when it has none).
type tourOutage func(ctx context.Context, c *http.Client, insecure string, w *tourWatch)

// etcdFault is --break=etcd's etcd: Debian's, run by the walkthrough on
// loopback ports etcd picks, with its data in a directory of its own, so
// that the tour may kill it. A learner's own etcd is never touched.
type etcdFault struct {
	proc *etcdproc.Process
	dir  string
}

// startEtcdFault starts the fault's etcd and points --etcd-servers at it.
func startEtcdFault(ctx context.Context, s *options.ServerRunOptions) (*etcdFault, error) {
	if len(s.Etcd.StorageConfig.ServerList) > 0 {
		return nil, lang.Errorf("runs an etcd of its own, to kill it; leave out --etcd-servers, whose etcd it will not touch")
	}
	dir, err := os.MkdirTemp("", "kubewalk-etcd-")
	if err != nil {
		return nil, err
	}
	proc, err := etcdproc.Start(dir)
	if err != nil {
		os.RemoveAll(dir)
		if errors.Is(err, etcdproc.ErrNotInstalled) {
			return nil, lang.Errorf("needs Debian's etcd, which is not installed (scripts/install-etcd installs it)")
		}
		return nil, err
	}
	s.Etcd.StorageConfig.ServerList = proc.Endpoints()
	trace.Log(ctx).Warn().Str("etcd", proc.ClientURL).Str("dataDir", dir).
		Str(trace.LogNoteKey, lang.Say(ctx, "an etcd of the walkthrough's own, on loopback, so that it can kill it: the tour does, after its requests")).
		Msg(lang.Say(ctx, "--break=etcd: etcd started"))
	return &etcdFault{proc: proc, dir: dir}, nil
}

// release stops the fault's etcd and removes its data.
func (f *etcdFault) release() {
	f.proc.Stop()
	os.RemoveAll(f.dir)
}

// outageWait bounds each wait of the outage: for /healthz to change, and
// for a write to succeed once etcd is back (etcd's client reconnects
// within a few seconds).
const outageWait = 20 * time.Second

// outage kills etcd, shows what the servers answer without it, starts it
// again on the same data and address, and shows them recover: a write
// goes through, and the tour's watch, open all along, delivers it.
func (f *etcdFault) outage(ctx context.Context, c *http.Client, insecure string, w *tourWatch) {
	if insecure == "" {
		trace.Log(ctx).Info().Msg(lang.Say(ctx, "--break=etcd: the outage is skipped: the insecure port is turned off"))
		return
	}
	trace.Log(ctx).Warn().
		Str(trace.LogNoteKey, lang.Say(ctx, "as a crash would: SIGKILL, no time to say goodbye; its data stays on disk")).
		Msg(lang.Say(ctx, "--break=etcd: killing etcd"))
	f.proc.Kill()
	waitHealthz(ctx, c, insecure, http.StatusInternalServerError,
		lang.Say(ctx, "v1.8's etcd check fails (a TCP connection to each server); v1.7 had none, and said ok"))
	tourSend(ctx, c, http.MethodPost, insecure+"/api/v1/namespaces?timeout=1s", `{"metadata":{"name":"walkthrough-outage"}}`)
	trace.Log(ctx).Info().
		Str(trace.LogNoteKey, lang.Say(ctx, "the write waited for etcd until its ?timeout=, then finishRequest answered 504; the watch stays open, and quiet")).
		Msg(lang.Say(ctx, "--break=etcd: a write while etcd is gone"))
	if err := f.proc.Restart(); err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "--break=etcd: etcd did not start again"))
		return
	}
	trace.Log(ctx).Warn().Str("etcd", f.proc.ClientURL).
		Str(trace.LogNoteKey, lang.Say(ctx, "the same data and address: etcd's clients reconnect, and the watches resume where they were")).
		Msg(lang.Say(ctx, "--break=etcd: etcd is back"))
	waitHealthz(ctx, c, insecure, http.StatusOK, lang.Say(ctx, "etcd answers again"))
	for deadline := time.Now().Add(outageWait); ; time.Sleep(100 * time.Millisecond) {
		// A write goes through once the server's client of etcd has
		// reconnected: until then it times out again.
		code := post(ctx, c, insecure+"/api/v1/namespaces?timeout=1s", `{"metadata":{"name":"walkthrough-back"}}`)
		if code == http.StatusCreated || time.Now().After(deadline) || ctx.Err() != nil {
			trace.Log(ctx).Info().Int("status", code).Msgf("POST %s/api/v1/namespaces → %d", insecure, code)
			break
		}
	}
	if w != nil {
		w.next(ctx) // the watch, open all along, delivers it
	}
	tourSend(ctx, c, http.MethodDelete, insecure+"/api/v1/namespaces/walkthrough-back", "")
	if w != nil {
		w.next(ctx)
	}
}

// waitHealthz polls /healthz until it answers code, for at most
// outageWait, and logs the answer.
func waitHealthz(ctx context.Context, c *http.Client, insecure string, code int, note string) {
	url := insecure + "/healthz?verbose"
	var got int
	var body string
	for deadline := time.Now().Add(outageWait); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(100 * time.Millisecond) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := c.Do(req)
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got, body = resp.StatusCode, string(b)
		if got == code {
			break
		}
	}
	etcdCheck := ""
	for line := range strings.SplitSeq(body, "\n") {
		if strings.Contains(line, "etcd") {
			etcdCheck = line
		}
	}
	trace.Log(ctx).Info().Int("status", got).Str("check", etcdCheck).Str(trace.LogNoteKey, note).
		Msgf("GET %s → %d", url, got)
}

// post sends a create and returns its status code (0 if it failed).
func post(ctx context.Context, c *http.Client, url, body string) int {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
