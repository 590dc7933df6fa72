package options_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/spf13/pflag"
)

// FuzzParseAndValidate treats its input as a command line, split at
// white space, and parses and validates it as the walkthrough does. No
// command line may panic; every problem Validate reports must be one line
// starting with the flag; and options Validate accepts must apply to a
// server.Config without error, since the ApplyTo methods assume them
// valid. The seed corpus is in testdata/fuzz/FuzzParseAndValidate.
func FuzzParseAndValidate(f *testing.F) {
	f.Add("--secure-port=6443 --authorization-mode=AlwaysAllow,AlwaysDeny")
	f.Fuzz(func(t *testing.T, commandLine string) {
		ctx := context.Background()
		s := options.NewServerRunOptions(ctx)
		fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
		fs.SetOutput(io.Discard)
		s.AddFlags(ctx, fs)
		if err := fs.Parse(strings.Fields(commandLine)); err != nil {
			return // pflag's message; the walkthrough exits 2 with it
		}

		errs := s.Validate()
		for _, err := range errs {
			if msg := err.Error(); !strings.HasPrefix(msg, "--") || strings.Contains(msg, "\n") {
				t.Errorf("Validate() after %q: %q is not one line naming a flag", commandLine, msg)
			}
		}
		if len(errs) > 0 {
			return
		}
		if err := applyAll(s); err != nil {
			t.Errorf("Validate() accepted %q, but ApplyTo failed: %v", commandLine, err)
		}
	})
}

// applyAll calls every ApplyTo of the options on a fresh Config; none of
// them binds a port or writes a file.
func applyAll(s *options.ServerRunOptions) error {
	c := server.NewConfig()
	if err := s.GenericServerRunOptions.ApplyTo(c); err != nil {
		return err
	}
	if _, err := s.InsecureServing.ApplyTo(c); err != nil {
		return err
	}
	for _, apply := range []func(*server.Config) error{
		func(c *server.Config) error { return s.SecureServing.ApplyTo(context.Background(), c) },
		s.Authentication.ApplyTo, s.Features.ApplyTo, s.Authorization.ApplyTo,
	} {
		if err := apply(c); err != nil {
			return err
		}
	}
	return nil
}
