package endpoints

import (
	"cmp"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The functions in this file stand in for upstream's
// k8s.io/apiserver/pkg/endpoints/handlers/negotiation, which is not among
// our dependencies. The media types they choose from are always a
// runtime.NegotiatedSerializer's SupportedMediaTypes.

// negotiateOutput returns the serializer to encode the response to r with:
// the first of ns's media types that a clause of r's Accept header asks
// for, trying clauses in order of their q value. A missing Accept header
// accepts anything, so it gets ns's first media type (JSON).
//
// Clauses that ask for a conversion (the parameters as, g and v) or a
// server version (sv) are skipped: a plain serializer cannot produce
// them. Those are kubectl's "application/json;as=Table;v=v1;g=meta.k8s.io"
// and aggregated discovery's "application/json;g=apidiscovery.k8s.io;v=v2;
// as=…"; clients that send them list a plain "application/json" last and
// get that. The parameter pretty=1 asks for indented output; any other
// parameter is ignored, as upstream ignores it.
//
// It returns a 406 NotAcceptable error if no clause can be served.
func negotiateOutput(r *http.Request, ns runtime.NegotiatedSerializer) (runtime.SerializerInfo, error) {
	supported := ns.SupportedMediaTypes()
	header := strings.Join(r.Header.Values("Accept"), ",")
	if header == "" {
		header = "*/*"
	}
	for _, clause := range parseAccept(header) {
		for _, info := range supported {
			if clause.matches(info) {
				if info.PrettySerializer != nil && (clause.pretty || isPrettyPrint(r)) {
					info.Serializer = info.PrettySerializer
				}
				return info, nil
			}
		}
	}
	return runtime.SerializerInfo{}, newStatusError(
		http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable,
		"only the following media types are accepted: "+mediaTypes(supported))
}

// negotiateInput returns the serializer that decodes r's body, chosen by
// its Content-Type, whose parameters (such as charset) are ignored. A
// missing Content-Type means ns's first media type (JSON), as upstream
// assumes. Any other media type ns does not support is a 415
// UnsupportedMediaType error.
func negotiateInput(r *http.Request, ns runtime.NegotiatedSerializer) (runtime.SerializerInfo, error) {
	supported := ns.SupportedMediaTypes()
	contentType := r.Header.Get("Content-Type")
	if contentType == "" {
		return supported[0], nil
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err == nil {
		for _, info := range supported {
			if info.MediaType == mediaType {
				return info, nil
			}
		}
	}
	return runtime.SerializerInfo{}, newStatusError(
		http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
		"the body of the request was in an unknown format - accepted media types include: "+
			mediaTypes(supported))
}

// acceptClause is one media range of an Accept header, such as
// "application/*;q=0.8".
type acceptClause struct {
	typ, subtype string
	q            float64
	pretty       bool // pretty=1
}

func (c acceptClause) matches(info runtime.SerializerInfo) bool {
	return (c.typ == "*" || c.typ == info.MediaTypeType) &&
		(c.subtype == "*" || c.subtype == info.MediaTypeSubType)
}

// parseAccept returns the clauses of an Accept header that we can serve,
// most preferred first; clauses of equal q keep the client's order.
// Malformed clauses, clauses with q=0 ("not acceptable") and clauses
// asking for a conversion or a server version are left out.
func parseAccept(header string) []acceptClause {
	var clauses []acceptClause
	for part := range strings.SplitSeq(header, ",") {
		mediaType, params, err := mime.ParseMediaType(part)
		if err != nil || hasAny(params, "as", "g", "v", "sv") {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q <= 0 {
				continue
			}
		}
		typ, subtype, _ := strings.Cut(mediaType, "/")
		clause := acceptClause{typ: typ, subtype: subtype, q: q, pretty: params["pretty"] == "1"}
		clauses = append(clauses, clause)
	}
	slices.SortStableFunc(clauses, func(a, b acceptClause) int { return cmp.Compare(b.q, a.q) })
	return clauses
}

// hasAny reports whether params has any of keys.
func hasAny(params map[string]string, keys ...string) bool {
	for _, k := range keys {
		if _, ok := params[k]; ok {
			return true
		}
	}
	return false
}

// isPrettyPrint reports whether r asks for indented output, as upstream
// decides it: the pretty query parameter if present, otherwise whether the
// client looks like a person at a terminal or browser (curl, Wget, a web
// browser).
func isPrettyPrint(r *http.Request) bool {
	if pp := r.URL.Query().Get("pretty"); pp != "" {
		pretty, _ := strconv.ParseBool(pp)
		return pretty
	}
	ua := r.UserAgent()
	return strings.HasPrefix(ua, "curl") || strings.HasPrefix(ua, "Wget") ||
		strings.HasPrefix(ua, "Mozilla/5.0")
}

func mediaTypes(infos []runtime.SerializerInfo) string {
	types := make([]string, 0, len(infos))
	for _, info := range infos {
		types = append(types, info.MediaType)
	}
	return strings.Join(types, ", ")
}
