package abac

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// The apiVersion and kind every line of a policy file declares.
const (
	APIVersion = "abac.authorization.kubernetes.io/v1beta1"
	Kind       = "Policy"
)

// Policy is one line of a policy file.
type Policy struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Spec       PolicySpec `json:"spec"`
}

// PolicySpec says who may do what; see the package comment for how each
// field matches.
type PolicySpec struct {
	User            string `json:"user,omitempty"`
	Group           string `json:"group,omitempty"`
	Readonly        bool   `json:"readonly,omitempty"`
	APIGroup        string `json:"apiGroup,omitempty"`
	Resource        string `json:"resource,omitempty"`
	Namespace       string `json:"namespace,omitempty"`
	NonResourcePath string `json:"nonResourcePath,omitempty"`
}

// maxLine is the longest line NewFromFile reads.
const maxLine = 1 << 20

// NewFromFile reads the policy file at path. It fails, naming path and
// the line, when the file cannot be read or a line is not a policy as
// the package comment describes. A file with no policies is valid and
// allows nothing.
func NewFromFile(path string) (PolicyList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pl, err := parse(f)
	if err != nil {
		return nil, fmt.Errorf("policy file %s, %w", path, err)
	}
	return pl, nil
}

// parse reads one policy per line of r. Its errors start "line N: ".
func parse(r io.Reader) (PolicyList, error) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(nil, maxLine)
	pl := PolicyList{}
	n := 0
	for scanner.Scan() {
		n++
		line := bytes.TrimSpace(scanner.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		p, err := parsePolicy(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		pl = append(pl, p)
	}
	if err := scanner.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes", n+1, maxLine)
		}
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	return pl, nil
}

// typeMeta is the part of a line every version has.
type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// parsePolicy decodes one line: a single JSON object of apiVersion
// v1beta1 and kind Policy, with only the fields of Policy, naming a user
// or a group. The version is checked before the fields, so that an
// unversioned (v0) line is reported as such.
func parsePolicy(line []byte) (*Policy, error) {
	var head typeMeta
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, err
	}
	switch {
	case head.APIVersion != APIVersion:
		return nil, fmt.Errorf("apiVersion is %q; want %q", head.APIVersion, APIVersion)
	case head.Kind != Kind:
		return nil, fmt.Errorf("kind is %q; want %q", head.Kind, Kind)
	}

	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	p := &Policy{}
	if err := dec.Decode(p); err != nil {
		return nil, err
	}
	if p.Spec.User == "" && p.Spec.Group == "" {
		return nil, errors.New(`spec names neither user nor group, so it matches no one; use "*" for everyone`)
	}
	return p, nil
}
