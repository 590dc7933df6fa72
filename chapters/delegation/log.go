package delegation

import (
	"context"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// logServer says which server was built, what it serves and what it
// delegates to.
func logServer(ctx context.Context, s *server.GenericAPIServer, serves string, delegate server.DelegationTarget) {
	delegateName := "EmptyDelegate"
	if d, ok := delegate.(*server.GenericAPIServer); ok {
		delegateName = d.Name()
	}
	trace.Log(ctx).Info().Str("server", s.Name()).Str("serves", serves).Str("delegate", delegateName).
		Str(trace.LogNoteKey, lang.Say(ctx, "Paths this server does not serve go to its delegate's handler, unfiltered.")).
		Msg(lang.Sayf(ctx, "built %s", s.Name()))
}
