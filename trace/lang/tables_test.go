package lang

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// root is the module's root, from this package's directory.
const root = "../.."

// said finds every string the code says through this package: the string
// literals (or sums of literals) given as the text of Say, Sayf, N and
// Errorf, in every non-test Go file of the module, with where each is,
// and the texts of the trace page (see pageStrings). In this package's own
// files the calls are unqualified.
func said(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		local := f.Name.Name == "lang"
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if arg := textArg(call, local); arg != nil {
				if s, ok := literal(arg); ok {
					out[s] = fset.Position(arg.Pos()).String()
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for s, where := range pageStrings(t) {
		out[s] = where
	}
	return out
}

// textArg returns the argument of call that is a text to say, or nil when
// call is not one of this package's: lang.Say(ctx, s), lang.Sayf(ctx, s,
// …), lang.N(s), lang.Errorf(s, …), and the methods l.Say(s), l.Sayf(s,
// …) of a Lang.
func textArg(call *ast.CallExpr, local bool) ast.Expr {
	var pkg, name string
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		name = fn.Sel.Name
		if id, ok := fn.X.(*ast.Ident); ok {
			pkg = id.Name
		}
	case *ast.Ident:
		if !local {
			return nil
		}
		pkg, name = "lang", fn.Name
	default:
		return nil
	}
	i := -1
	switch {
	case pkg == "lang" && (name == "Say" || name == "Sayf"):
		i = 1
	case pkg == "lang" && (name == "N" || name == "Errorf"):
		i = 0
	case pkg != "lang" && (name == "Say" || name == "Sayf"):
		i = 0 // a method: l.Say(s)
	}
	if i < 0 || i >= len(call.Args) {
		return nil
	}
	return call.Args[i]
}

// literal returns the value of a string literal, or of a sum of them.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := literal(e.X)
		b, ok2 := literal(e.Y)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return literal(e.X)
	}
	return "", false
}

// The trace page (trace/view/html) says its texts through say('…') and
// sayf('…', …) in its script, and {{say "…"}}, {{sayf "…" …}} and
// {{sayHTML "…"}} in its template.
var (
	pageSay     = regexp.MustCompile(`\bsayf?\('((?:[^'\\]|\\.)*)'`)
	templateSay = regexp.MustCompile(`\{\{-?\s*say(?:f|HTML)?\s+("(?:[^"\\]|\\.)*")`)
)

func pageStrings(t *testing.T) map[string]string {
	out := map[string]string{}
	for _, name := range []string{"page.js", "page.html.tmpl"} {
		path := filepath.Join(root, "trace", "view", "html", name)
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pageSay.FindAllSubmatchIndex(b, -1) {
			s := strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(string(b[m[2]:m[3]]))
			out[s] = path
		}
		for _, m := range templateSay.FindAllSubmatch(b, -1) {
			s, err := strconv.Unquote(string(m[1]))
			if err != nil {
				t.Fatalf("%s: %s: %v", path, m[1], err)
			}
			out[s] = path
		}
	}
	return out
}

// verbs are the formatting verbs of a format, sorted: the translation may
// reorder them, not add, drop or change one.
func verbs(format string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`).FindAllStringSubmatch(format, -1) {
		if m[1] != "%" {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// TestTablesSayEverything checks every language's table against what the
// code says: an entry for every string, with the same verbs, differing
// from the English (or it would not need to be there), and no entry for
// a string the code no longer says.
func TestTablesSayEverything(t *testing.T) {
	code := said(t)
	if len(code) < 50 {
		t.Fatalf("found %d strings said through package lang; the walk of %s found too few", len(code), root)
	}
	for name, l := range languages {
		table := l.table
		for s, where := range code {
			tr, ok := table[s]
			switch {
			case !ok:
				t.Errorf("%s: %q has no entry in the %s table", where, s, name)
			case strings.TrimSpace(tr) == "":
				t.Errorf("%s table: %q is empty", name, s)
			case tr == s:
				t.Errorf("%s table: %q is the English itself: say it directly, not through package lang", name, s)
			case !slices.Equal(verbs(tr), verbs(s)):
				t.Errorf("%s table: %q has verbs %v; the English %q has %v", name, tr, verbs(tr), s, verbs(s))
			}
		}
		for s := range table {
			if _, ok := code[s]; !ok {
				t.Errorf("%s table: %q is said nowhere in the code (changed or removed?)", name, s)
			}
		}
	}
}

// TestNotesAreSaid checks that no note is written as a bare string: every
// value given to a log line's note field (trace.LogNoteKey), which is
// always the book's words, goes through this package, or a run in
// another language would print it in English.
func TestNotesAreSaid(t *testing.T) {
	fset := token.NewFileSet()
	notes := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 || !isNoteKey(call.Args[0]) {
				return true
			}
			notes++
			if s, ok := literal(call.Args[1]); ok {
				t.Errorf("%s: the note %q is a bare string: say it with lang.Say(ctx, …)", fset.Position(call.Args[1].Pos()), s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if notes < 10 {
		t.Fatalf("found %d notes in %s; the walk found too few", notes, root)
	}
}

// isNoteKey reports whether e is trace.LogNoteKey (or LogNoteKey, inside
// package trace).
func isNoteKey(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		id, ok := e.X.(*ast.Ident)
		return ok && id.Name == "trace" && e.Sel.Name == "LogNoteKey"
	case *ast.Ident:
		return e.Name == "LogNoteKey"
	}
	return false
}
