package server

import (
	"net/http"
	"time"

	"github.com/kubewalk/kubewalk/trace"
)

// walkthroughState serves /debug/walkthrough (ours): the live state of the
// run, from the trace kit the request carries — steps done, goroutines,
// channels and listeners started and ended, and what is still open — and
// the post-start hooks of s, each registered, running or done.
func walkthroughState(s *GenericAPIServer) http.Handler {
	type open struct {
		Kind         string `json:"kind"`
		Name         string `json:"name"`
		Detail       string `json:"detail"`
		NeverStopped string `json:"neverStopped,omitempty"`
	}
	type state struct {
		Steps             int    `json:"steps"`
		GoroutinesStarted int    `json:"goroutinesStarted"`
		GoroutinesEnded   int    `json:"goroutinesEnded"`
		ChansMade         int    `json:"chansMade"`
		ChansClosed       int    `json:"chansClosed"`
		ListenersOpened   int    `json:"listenersOpened"`
		ListenersClosed   int    `json:"listenersClosed"`
		Open              []open `json:"open"`
		// Hooks are the post-start hooks of the server that answered.
		Hooks []PostStartHookState `json:"postStartHooks"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := trace.StatsFrom(r.Context())
		if !ok {
			http.Error(w, "this server runs without the walkthrough's trace kit", http.StatusNotFound)
			return
		}
		out := state{st.Steps, st.GoroutinesStarted, st.GoroutinesEnded, st.ChansMade, st.ChansClosed,
			st.ListenersOpened, st.ListenersClosed, []open{}, s.PostStartHookStates()}
		for _, o := range st.Open {
			out.Open = append(out.Open, open{o.Kind, o.Name, o.Detail, o.NeverStopped})
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// maxSlow bounds how long /debug/walkthrough/slow holds a request whose
// release never comes.
const maxSlow = 30 * time.Second

// slowHandler serves /debug/walkthrough/slow (ours, for
// --break=slow-request): it answers 200 once release is closed, so the
// walkthrough decides exactly when the request ends; 503 if that has not
// happened after maxSlow; and nothing if the client goes away first.
func slowHandler(release <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timeout := time.NewTimer(maxSlow)
		defer timeout.Stop()
		select {
		case <-release:
			trace.Log(r.Context()).Debug().Msg("the slow request is released")
			writeJSON(w, http.StatusOK, map[string]string{"slow": "released"})
		case <-timeout.C:
			http.Error(w, "not released within "+maxSlow.String(), http.StatusServiceUnavailable)
		case <-r.Context().Done():
		}
	})
}
