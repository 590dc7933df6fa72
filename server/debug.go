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

// maxSleep bounds how long /debug/walkthrough/sleep keeps a request.
const maxSleep = 10 * time.Second

// sleepHandler serves /debug/walkthrough/sleep?for=DURATION (ours, for
// --break=slow-request): it answers after DURATION (500ms when absent, at
// most maxSleep), or as soon as the client goes away.
func sleepHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := 500 * time.Millisecond
		if v := r.URL.Query().Get("for"); v != "" {
			parsed, err := time.ParseDuration(v)
			if err != nil || parsed < 0 || parsed > maxSleep {
				http.Error(w, "for must be a duration between 0 and "+maxSleep.String(), http.StatusBadRequest)
				return
			}
			d = parsed
		}
		select {
		case <-time.After(d):
			writeJSON(w, http.StatusOK, map[string]string{"slept": d.String()})
		case <-r.Context().Done():
		}
	})
}
