// Package lang is the languages of the narration: every string the
// walkthrough says to a learner is said through it, in English where the
// code says it, and in any other language from that language's table,
// one file per language (zh.go). Upstream's own log messages never go
// through it: they stay in upstream's words, so that a reader can grep
// upstream for them.
//
// The English text is the key: code reads as it always did,
//
//	Str(trace.LogNoteKey, lang.Say(ctx, "No --tls-cert-file: the secure port gets a self-signed certificate, made now."))
//
// and prints exactly that in English. A table maps each English string to
// its translation; [Lang.Sayf] formats the translation, so a format's
// verbs may be reordered with explicit indexes (%[2]s). A string with no
// entry in a table is said in English.
//
// The tests of this package find every string the code says through it
// (the string literals given to Say, Sayf, N and Errorf) and check that
// each table has every one of them, with the same verbs, and nothing else.
// A string that is not a literal where it is said is marked where it is
// written, with [N].
//
// The language of a run travels in its context ([With], [From]); without
// one, it is English.
package lang

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// A Lang is one language of the narration. The zero value is English.
type Lang struct {
	name  string
	tag   string            // BCP 47, for HTML's lang attribute
	table map[string]string // English → this language; nil for English
}

// English is the language the code is written in.
var English = Lang{name: "en", tag: "en"}

// languages holds every language but English, by name: adding a language
// is its table's file and a line here.
var languages = map[string]Lang{
	"zh": {name: "zh", tag: "zh-CN", table: zh},
}

// Names returns the names of the known languages, sorted.
func Names() []string {
	names := []string{English.name}
	for name := range languages {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Parse returns the language named name ("en", "zh"), or an error naming
// name and the known languages.
func Parse(name string) (Lang, error) {
	if name == English.name {
		return English, nil
	}
	if l, ok := languages[name]; ok {
		return l, nil
	}
	return English, Errorf("--lang %s: allowed: %s", name, strings.Join(Names(), ", "))
}

// FromEnv returns the language the locale asks for: the first of LC_ALL,
// LC_MESSAGES and LANG that is set decides, as POSIX orders them, by its
// language part ("zh" in zh_CN.UTF-8). A language with no table, C and
// POSIX are English.
func FromEnv(getenv func(string) string) Lang {
	for _, key := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(key)
		if v == "" {
			continue
		}
		name, _, _ := strings.Cut(strings.ToLower(v), "_")
		name, _, _ = strings.Cut(name, ".")
		name, _, _ = strings.Cut(name, "@")
		l, err := Parse(name)
		if err != nil {
			return English
		}
		return l
	}
	return English
}

// String returns the language's name, as Parse takes it.
func (l Lang) String() string {
	if l.name == "" {
		return English.name
	}
	return l.name
}

// Texts returns the English texts l has words of its own for, sorted:
// none for English. Tests use it to check that a run in l says none of
// them in English.
func (l Lang) Texts() []string {
	texts := make([]string, 0, len(l.table))
	for s := range l.table {
		texts = append(texts, s)
	}
	slices.Sort(texts)
	return texts
}

// Tag returns the language's BCP 47 tag (en, zh-CN), as HTML's lang
// attribute takes it.
func (l Lang) Tag() string {
	if l.tag == "" {
		return English.tag
	}
	return l.tag
}

// Say returns s in l: its entry in l's table, or s itself.
func (l Lang) Say(s string) string {
	if t, ok := l.table[s]; ok {
		return t
	}
	return s
}

// Sayf formats format, said in l, with args, as fmt.Sprintf does; an
// argument that can say itself (a [Sayer], such as an error made with
// [Errorf]) is said in l too.
func (l Lang) Sayf(format string, args ...any) string {
	said := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(Sayer); ok {
			a = s.Say(l)
		}
		said[i] = a
	}
	return fmt.Sprintf(l.Say(format), said...)
}

// A Sayer is a text that can be said in any language.
type Sayer interface {
	Say(Lang) string
}

// Error returns err's message in l: said in l when err is a [Sayer], such
// as the errors of [Errorf], or else err.Error().
func (l Lang) Error(err error) string {
	if s, ok := err.(Sayer); ok {
		return s.Say(l)
	}
	return err.Error()
}

// N marks s as something the narration says, where it is written rather
// than where it is said (a table of notes, a field), so that the tables'
// tests find it. It returns s.
func N(s string) string { return s }

// Errorf returns an error whose message is format with args: in English
// from Error, and in any language from Say. Code that does not know the
// learner's language (validation, parsing) returns these, and what prints
// the error says it in the learner's.
func Errorf(format string, args ...any) error {
	return &message{format: format, args: args}
}

type message struct {
	format string
	args   []any
}

func (m *message) Error() string     { return English.Sayf(m.format, m.args...) }
func (m *message) Say(l Lang) string { return l.Sayf(m.format, m.args...) }

type ctxKey struct{}

// With returns ctx carrying l, the language of the run.
func With(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the language ctx carries, or English.
func From(ctx context.Context) Lang {
	l, _ := ctx.Value(ctxKey{}).(Lang)
	return l
}

// Say returns s in the language of ctx.
func Say(ctx context.Context, s string) string { return From(ctx).Say(s) }

// Sayf formats format, said in the language of ctx, with args.
func Sayf(ctx context.Context, format string, args ...any) string {
	return From(ctx).Sayf(format, args...)
}
