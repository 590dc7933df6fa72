package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace/lang"
)

func TestLangUnknownListsTheKnownOnes(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--lang=fr", "--trace-file", filepath.Join(dir, "t.json")},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	want := "walkthrough: --lang fr: allowed: " + strings.Join(lang.Names(), ", ") + "\n"
	if code != 2 || stderr.String() != want || stdout.String() != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing and %q", code, stdout.String(), stderr.String(), want)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("the run left %d files behind; want none", len(files))
	}
}

// breakHelp returns what --break=help prints, with args.
func breakHelp(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr syncBuffer
	code := run(context.Background(), append([]string{"--break=help", "--trace-file", ""}, args...),
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	if code != 0 {
		t.Fatalf("--break=help %v: exit %d; want 0:\n%s", args, code, stderr.String())
	}
	return stdout.String()
}

func TestLangFromTheLocale(t *testing.T) {
	zh, _ := lang.Parse("zh")
	chinese, english := zh.Say(options.BreakListener.Teaches), options.BreakListener.Teaches
	for _, c := range []struct {
		lcAll, lang string
		args        []string
		want        string
	}{
		{"", "zh_CN.UTF-8", nil, chinese},
		{"", "zh_TW", nil, chinese},
		{"C", "zh_CN.UTF-8", nil, english}, // LC_ALL wins
		{"", "en_US.UTF-8", nil, english},
		{"", "fr_FR.UTF-8", nil, english}, // no table: English
		{"", "zh_CN.UTF-8", []string{"--lang=en"}, english},
		{"", "", []string{"--lang=zh"}, chinese},
	} {
		t.Setenv("LC_ALL", c.lcAll)
		t.Setenv("LANG", c.lang)
		if out := breakHelp(t, c.args...); !strings.Contains(out, c.want) {
			t.Errorf("LC_ALL=%q LANG=%q %v: --break=help does not say %q:\n%s", c.lcAll, c.lang, c.args, c.want, out)
		}
	}
}

// english returns the parts of l's English texts that a run in l must
// not print: the text between the formatting verbs of each, when it is
// long enough (two words, ten characters) not to be found by chance in
// what stays English, such as upstream's messages and goroutine names.
func english(l lang.Lang) []string {
	verb := regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)
	var out []string
	for _, s := range l.Texts() {
		for _, part := range verb.Split(s, -1) {
			part = strings.TrimSpace(part)
			if utf8.RuneCountInString(part) >= 10 && strings.Contains(part, " ") {
				out = append(out, part)
			}
		}
	}
	return out
}

// TestChineseRunsSayNothingInEnglish runs the walkthrough in Chinese as a
// learner would (the tour, --until, --step, --break=help, bad flags) and
// checks that nothing it prints is English that the Chinese table has
// words for, and that no note is English: every string that reaches the
// learner goes through package lang.
func TestChineseRunsSayNothingInEnglish(t *testing.T) {
	zh, err := lang.Parse("zh")
	if err != nil {
		t.Fatal(err)
	}
	_, tour := runTour(t, "--lang=zh")
	_, v19, _ := runEraTour(t, server.EraV19, "--lang=zh", "--break=slow-request")
	_, modern, _ := runEraTour(t, server.EraModern, "--lang=zh", "--break=slow-request", "--shutdown-delay-duration=1s")
	_, modernStep, _ := experiment(t, strings.Repeat("\n", 40), true, "--lang=zh", "--era=modern", "--step")
	_, until, _ := experiment(t, "\n", false, "--lang=zh", "--until", "nonblockingrun")
	_, step, _ := experiment(t, strings.Repeat("\n", 40), true, "--lang=zh", "--step")
	_, quit, _ := experiment(t, "q\n", false, "--lang=zh", "--until", "runserver")
	var stdout, stderr syncBuffer
	run(context.Background(), []string{"--lang=zh", "--log-level=loud", "--secure-port=-1", "--until=nowhere"},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	runs := map[string]string{
		"the tour": tour.stdout + tour.stderr, "--until": until, "--step": step, "--until, then q": quit,
		"--era=v1.9": v19.stdout + v19.stderr, "--era=modern": modern.stdout + modern.stderr, "--era=modern --step": modernStep,
		"--break=help": breakHelp(t, "--lang=zh"), "bad flags": stdout.String() + stderr.String(),
	}
	han := regexp.MustCompile(`\p{Han}`)
	for name, out := range runs {
		if !strings.Contains(out, "：") {
			t.Errorf("%s: the output has no Chinese punctuation; was it said in Chinese?\n%s", name, out)
		}
		// Every note is the book's words: none may stay English.
		for _, line := range strings.Split(out, "\n") {
			if note := strings.TrimSpace(line); strings.HasPrefix(note, "↳ ") && !han.MatchString(note) {
				t.Errorf("%s: a note in English: %s", name, note)
			}
		}
		for _, s := range english(zh) {
			if strings.Contains(out, s) {
				t.Errorf("%s says %q in English, which the zh table translates", name, s)
			}
		}
	}
}
