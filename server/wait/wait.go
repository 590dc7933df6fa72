// Package wait is apimachinery's wait.Until (k8s.io/apimachinery/pkg/util/wait)
// with its wait on the stop channel recorded in the trace: a loop that
// runs every period shows, between its runs, as waiting on its stop
// channel, and the close that ends it as received. The bootstrap
// controller's loops and the service repairs run on it; loops whose wait
// tells the story nothing keep apimachinery's.
package wait

import (
	"context"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

// Until calls f every period until stop is closed, as wait.Until does:
// not at all if stop is closed already, then each period after f returns
// (sliding, without jitter). A panic in f is logged by HandleCrash and
// crashes the process, as upstream's does.
func Until(ctx context.Context, f func(), period time.Duration, stop <-chan struct{}) {
	for {
		select { // a poll, as wait.Until's first: stop may be closed already
		case <-stop:
			return
		default:
		}
		func() {
			defer utilruntime.HandleCrash()
			f()
		}()
		t := time.NewTimer(period)
		trace.Select(ctx, stop)
		select {
		case <-stop:
			trace.Selected(ctx, stop)
			t.Stop()
			return
		case <-t.C:
			trace.Woke(ctx)
		}
	}
}
