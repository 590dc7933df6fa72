package filters

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// WithCORS answers cross-origin requests from allowed origins: when a
// request's Origin header matches one of allowedOriginPatterns (regular
// expressions, unanchored, as --cors-allowed-origins gives them), it adds
// the Access-Control-Allow-* headers, and it answers a preflight OPTIONS
// request itself with 204. Requests without a matching origin pass on
// without those headers. nil allowedMethods, allowedHeaders or
// exposedHeaders mean upstream's defaults. With no patterns WithCORS
// returns handler itself.
//
// Every response it passes carries Vary: Origin (ours; upstream sets no
// Vary header), so that a cache never gives one origin the answer meant
// for another.
//
// WithCORS panics if a pattern does not compile (upstream exits with
// glog.Fatalf); check the patterns with CompileOrigins first.
func WithCORS(handler http.Handler, allowedOriginPatterns, allowedMethods, allowedHeaders, exposedHeaders []string,
	allowCredentials string) http.Handler {
	if len(allowedOriginPatterns) == 0 {
		return handler
	}
	origins, err := CompileOrigins(allowedOriginPatterns)
	if err != nil {
		panic(err)
	}
	if allowedMethods == nil {
		allowedMethods = []string{"POST", "GET", "OPTIONS", "PUT", "DELETE", "PATCH"}
	}
	if allowedHeaders == nil {
		allowedHeaders = []string{"Content-Type", "Content-Length", "Accept-Encoding", "X-CSRF-Token",
			"Authorization", "X-Requested-With", "If-Modified-Since"}
	}
	if exposedHeaders == nil {
		exposedHeaders = []string{"Date"}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Add("Vary", "Origin")
		origin := req.Header.Get("Origin")
		if origin != "" && matchesAny(origins, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", strings.Join(allowedMethods, ", "))
			h.Set("Access-Control-Allow-Headers", strings.Join(allowedHeaders, ", "))
			h.Set("Access-Control-Expose-Headers", strings.Join(exposedHeaders, ", "))
			h.Set("Access-Control-Allow-Credentials", allowCredentials)
			if req.Method == http.MethodOptions {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		handler.ServeHTTP(w, req)
	})
}

// CompileOrigins compiles the patterns of --cors-allowed-origins, or
// returns an error naming the first pattern that is not a regular
// expression (upstream logs a fatal error instead).
func CompileOrigins(patterns []string) ([]*regexp.Regexp, error) {
	res := make([]*regexp.Regexp, 0, len(patterns))
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("invalid CORS allowed origin %q: %v", p, err)
		}
		res = append(res, re)
	}
	return res, nil
}

func matchesAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
