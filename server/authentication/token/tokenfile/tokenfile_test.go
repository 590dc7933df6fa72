package tokenfile_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/authentication/token/tokenfile"
)

// writeFile writes data to a fresh file and returns its path.
func writeFile(t testing.TB, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.csv")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNewCSV(t *testing.T) {
	type want struct {
		token, name, uid string
		groups           []string
	}
	tests := []struct {
		name    string
		data    string
		want    []want
		wantErr string // substring; empty means no error
	}{
		{name: "empty file", data: ""},
		{name: "three columns", data: "t1,alice,1\n",
			want: []want{{"t1", "alice", "1", nil}}},
		{name: "groups", data: "t1,alice,1,\"dev,ops\"\nt2,bob,2,dev\n",
			want: []want{{"t1", "alice", "1", []string{"dev", "ops"}}, {"t2", "bob", "2", []string{"dev"}}}},
		{name: "extra columns ignored", data: "t1,alice,1,dev,whatever\n",
			want: []want{{"t1", "alice", "1", []string{"dev"}}}},
		{name: "blank lines skipped", data: "\nt1,alice,1\n\n",
			want: []want{{"t1", "alice", "1", nil}}},
		{name: "two columns", data: "t1,alice,1\nt2,bob\n",
			wantErr: "line 2: has 2 columns; want at least 3 (token, user name, user uid)"},
		{name: "one column", data: "t1\n", wantErr: "line 1: has 1 column; want at least 3"},
		{name: "empty token", data: ",alice,1\n", wantErr: "line 1: the token is empty"},
		{name: "repeated token", data: "t1,alice,1\nt2,bob,2\nt1,carol,3\n",
			wantErr: "line 3: repeats the token of line 1"},
		{name: "bad quoting", data: "t1,alice,1\nt2,\"bob,2\n",
			wantErr: "line 2: extraneous or missing \" in quoted-field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.data)
			a, err := tokenfile.NewCSV(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("NewCSV(%q) error = %v; want one naming the file and %q", tc.data, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewCSV(%q) = %v", tc.data, err)
			}
			for _, w := range tc.want {
				u, ok, err := a.AuthenticateToken(w.token)
				if !ok || err != nil {
					t.Fatalf("AuthenticateToken(%q) = %v, %v, %v; want the user", w.token, u, ok, err)
				}
				if u.GetName() != w.name || u.GetUID() != w.uid || !slices.Equal(u.GetGroups(), w.groups) {
					t.Errorf("AuthenticateToken(%q) = %s/%s/%q; want %s/%s/%q",
						w.token, u.GetName(), u.GetUID(), u.GetGroups(), w.name, w.uid, w.groups)
				}
			}
			if u, ok, err := a.AuthenticateToken("not-listed"); u != nil || ok || err != nil {
				t.Errorf("AuthenticateToken(not-listed) = %v, %v, %v; want nil, false, nil", u, ok, err)
			}
		})
	}
}

func TestNewCSVMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.csv")
	if _, err := tokenfile.NewCSV(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("NewCSV(%s) error = %v; want one naming the file", path, err)
	}
}

// FuzzNewCSV checks that no file content makes NewCSV panic, that every
// error it returns is one line naming the file, and, for a file it
// accepts, that each line's token authenticates as that line's user: its
// name, its uid and its groups (the fourth column split at commas, none
// without it). encoding/csv, read the way the package comment describes
// the format, is the oracle for what the lines are.
func FuzzNewCSV(f *testing.F) {
	for _, seed := range []string{"t1,alice,1\n", "t1,alice,1,\"a,b\"\n", "\"", "t,u\n", ",,\n,,\n",
		"t1,alice,1,dev\n\nt2,bob,2,\"dev,ops\",extra\nt3,carol,3\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		path := writeFile(t, data)
		a, err := tokenfile.NewCSV(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
				t.Errorf("NewCSV(%q) error = %q; want one line naming the file", data, err)
			}
			return
		}
		r := csv.NewReader(strings.NewReader(data))
		r.FieldsPerRecord = -1
		records, err := r.ReadAll()
		if err != nil {
			t.Fatalf("NewCSV accepted %q, which encoding/csv refuses: %v", data, err)
		}
		listed := map[string]bool{}
		for _, rec := range records {
			listed[rec[0]] = true
		}
		for _, rec := range records {
			var groups []string
			if len(rec) >= 4 {
				groups = strings.Split(rec[3], ",")
			}
			u, ok, err := a.AuthenticateToken(rec[0])
			if !ok || err != nil || u.GetName() != rec[1] || u.GetUID() != rec[2] || !slices.Equal(u.GetGroups(), groups) {
				t.Errorf("%q: AuthenticateToken(%q) = %v, %t, %v; want %s/%s/%q", data, rec[0], u, ok, err, rec[1], rec[2], groups)
			}
			if other := rec[0] + "-not-listed"; !listed[other] {
				if _, ok, _ := a.AuthenticateToken(other); ok {
					t.Errorf("%q: AuthenticateToken(%q), a token not listed, succeeds", data, other)
				}
			}
		}
	})
}
