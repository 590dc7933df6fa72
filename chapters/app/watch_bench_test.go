package app_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
)

// watchesEnded is how many watches BenchmarkWatchesEnd opens: the number
// issue 12 bounds.
const watchesEnded = 1000

// BenchmarkWatchesEnd times how long 1000 open watches take to end once
// their clients hang up, as TestWatchesOutliveStopCh does: the watches are
// opened on the insecure port, stopCh closes and the listeners with it
// (which, as in v1.7, ends none of them), and then every client hangs up.
// ns/op is the time from the hang-up until every goroutine the kit waits
// for has ended, the watches' being the only ones left (see timedPart);
// the rest of each iteration, the boot and the opening of the watches
// included, is not in it. Each kit of kits runs it, so that what the
// trace and the console add to the endings shows beside what the server
// itself takes.
func BenchmarkWatchesEnd(b *testing.B) {
	for _, k := range kits {
		b.Run(k.name, func(b *testing.B) {
			var ending time.Duration
			for b.Loop() {
				ending += endWatches(b, k.cfg(b))
			}
			timedPart(b, ending)
		})
	}
}

// endWatches boots app.Run under cfg, opens watchesEnded watches, closes
// stopCh, and returns how long the watches took to end after their
// clients hung up. It leaves nothing running.
func endWatches(b *testing.B, cfg trace.Config) time.Duration {
	b.Helper()
	r := boot(b, cfg)
	hangUp, readersEnded := openWatchesB(b, r, watchesEnded)
	close(r.stopCh)
	<-r.done
	if err := <-r.runErr; err != nil {
		b.Errorf("Run = %v; want nil", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The listeners close in goroutines of their own, after Run returned.
	for st := r.kit.Stats(); st.ListenersClosed < st.ListenersOpened; st = r.kit.Stats() {
		if ctx.Err() != nil {
			b.Fatalf("listeners still open 10s after stopCh closed: %+v", st)
		}
		time.Sleep(time.Millisecond)
	}

	t0 := time.Now()
	hangUp()
	err := r.kit.Wait(ctx)
	took := time.Since(t0)
	readersEnded()
	if err != nil {
		b.Fatalf("goroutines still running 10s after the watches' clients hung up: %v", r.kit.Stats().Open)
	}
	// What v1.7 never stops (the watch caches, the bootstrap controller's
	// loops) and the loopback client's connections, the benchmark ends,
	// as the process's exit would.
	r.kit.StopNeverStopped()
	if err := r.kit.Wait(ctx); err != nil {
		b.Fatalf("goroutines still running after StopNeverStopped: %v", r.kit.Stats().Open)
	}
	r.kit.CloseIdleConnections()
	r.shutdown(b)
	return took
}

// openWatchesB opens n watches on namespaces at r's insecure port, each
// read to its end by a goroutine of its own. hangUp cancels them all, as
// clients going away; readersEnded waits for the readers.
func openWatchesB(b *testing.B, r *running, n int) (hangUp, readersEnded func()) {
	b.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: n}
	client := &http.Client{Transport: transport}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	readersEnded = func() {
		wg.Wait()
		transport.CloseIdleConnections()
	}
	for range n {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
			"http://"+r.insecure+"/api/v1/namespaces?watch=1", nil)
		resp, err := client.Do(req)
		if err != nil {
			cancel()
			readersEnded()
			b.Fatal(err)
		}
		wg.Add(1)
		go func() { // the client reads until its stream ends
			defer wg.Done()
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	return cancel, readersEnded
}
