package main

import (
	"context"
	"os"
	"strings"

	"github.com/kubewalk/kubewalk/chapters/app"
	"github.com/kubewalk/kubewalk/chapters/modern"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/chapters/v19"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// eraMain is what kube-apiserver's main does in an era: the step main is,
// the signal handler it sets up and the Run it calls.
type eraMain struct {
	main               trace.Upstream
	setupSignalHandler func(ctx context.Context, c chan os.Signal) <-chan struct{}
	run                func(ctx context.Context, s *options.ServerRunOptions, stopCh <-chan struct{}) error
}

// eraMains are the eras --era can run. v1.7 had no signal handler
// (stopCh was wait.NeverStop): every era's main uses one, v1.8's in v1.7
// and v1.9, modern's SetupSignalContext in modern, whose command calls it
// through SetupSignalHandler.
var eraMains = map[server.Era]eraMain{
	server.EraV17: {
		main:               trace.UpstreamFile{Path: "cmd/kube-apiserver/apiserver.go", Ref: "v1.7.0", Chapter: "options"}.Func("main.main"),
		setupSignalHandler: server.SetupSignalHandler,
		run:                app.Run,
	},
	server.EraV19: {
		main:               trace.UpstreamFile{Path: "cmd/kube-apiserver/apiserver.go", Ref: "v1.9.0", Chapter: "options"}.Func("main.main"),
		setupSignalHandler: server.SetupSignalHandler,
		run:                v19.Run,
	},
	server.EraModern: {
		main:               trace.UpstreamFile{Path: "cmd/kube-apiserver/apiserver.go", Ref: modern.Ref, Chapter: "options"}.Func("main.main"),
		setupSignalHandler: server.SetupSignalHandlerModern,
		run:                modern.Run,
	},
}

// era returns the era --era names, or an error naming the allowed ones.
func (f *walkthroughFlags) era() (server.Era, error) { return server.ParseEra(f.Era) }

// removedFlag adds to a parse error about a flag modern kube-apiserver
// no longer has why it is gone.
func removedFlag(ctx context.Context, era server.Era, err error) string {
	msg := err.Error()
	if era != server.EraModern {
		return msg
	}
	for _, flag := range []string{"--insecure-port", "--insecure-bind-address", "--allow-insecure-non-loopback"} {
		if strings.Contains(msg, "unknown flag: "+flag) {
			return msg + lang.Say(ctx, " (modern kube-apiserver has no insecure port: it stopped serving it in v1.20 and dropped its flags in v1.24)")
		}
	}
	return msg
}
