package config

import (
	"fmt"
	"runtime"

	"k8s.io/apimachinery/pkg/version"
)

// Version is what the walkthrough serves at /version and app.Run logs
// first: the Kubernetes release it mirrors, marked as kubewalk's, and the
// Go toolchain that built it (upstream's pkg/version.Get).
var Version = version.Info{
	Major:      "1",
	Minor:      "7",
	GitVersion: "v1.7.0+kubewalk",
	GoVersion:  runtime.Version(),
	Compiler:   runtime.Compiler,
	Platform:   fmt.Sprintf("%s/%s", runtime.GOOS, runtime.GOARCH),
}
