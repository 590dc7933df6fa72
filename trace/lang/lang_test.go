package lang_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace/lang"
)

func TestParse(t *testing.T) {
	for _, name := range lang.Names() {
		l, err := lang.Parse(name)
		if err != nil || l.String() != name {
			t.Errorf("Parse(%q) = %v, %v; want %s", name, l, err, name)
		}
	}
	_, err := lang.Parse("fr")
	if want := "--lang fr: allowed: " + strings.Join(lang.Names(), ", "); err == nil || err.Error() != want {
		t.Errorf("Parse(%q) error = %v; want %q", "fr", err, want)
	}
	if names := lang.Names(); len(names) < 2 || names[0] != "en" {
		t.Errorf("Names() = %v; want en and the languages with a table", names)
	}
}

func TestFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "en"},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, "zh"},
		{map[string]string{"LANG": "zh"}, "zh"},
		{map[string]string{"LANG": "zh_TW.Big5"}, "zh"},
		{map[string]string{"LANG": "de_DE.UTF-8"}, "en"},
		{map[string]string{"LANG": "C.UTF-8"}, "en"},
		{map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"},
		{map[string]string{"LC_ALL": "C", "LC_MESSAGES": "zh_CN.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"},
		{map[string]string{"LC_ALL": "zh_CN@pinyin", "LANG": "en_US.UTF-8"}, "zh"},
	} {
		if got := lang.FromEnv(func(k string) string { return c.env[k] }).String(); got != c.want {
			t.Errorf("FromEnv(%v) = %s; want %s", c.env, got, c.want)
		}
	}
}

func TestSayAndSayf(t *testing.T) {
	zh, err := lang.Parse("zh")
	if err != nil {
		t.Fatal(err)
	}
	var en lang.Lang // the zero value is English
	if got := en.Say("goroutine ended"); got != "goroutine ended" {
		t.Errorf("English Say = %q; want the text itself", got)
	}
	if got := zh.Say("goroutine ended"); got == "goroutine ended" || got == "" {
		t.Errorf("zh Say(%q) = %q; want its translation", "goroutine ended", got)
	}
	if got := zh.Say("a text no table has"); got != "a text no table has" {
		t.Errorf("zh Say of an unknown text = %q; want the text itself", got)
	}
	if got, want := zh.Sayf("closed by %s", "main"), fmt.Sprintf(zh.Say("closed by %s"), "main"); got != want {
		t.Errorf("zh Sayf = %q; want %q", got, want)
	}
	// An argument that can say itself is said in the same language.
	err = lang.Errorf("needs the insecure port, and --insecure-port is 0")
	if got, want := zh.Sayf("writing the trace: %v", err), fmt.Sprintf(zh.Say("writing the trace: %v"), zh.Error(err)); got != want {
		t.Errorf("zh Sayf with an error = %q; want %q", got, want)
	}
	if got := zh.Error(err); got == err.Error() {
		t.Errorf("zh Error(%v) = %q; want it in Chinese", err, got)
	}
	if plain := errors.New("plain"); zh.Error(plain) != "plain" {
		t.Errorf("zh Error of a plain error = %q; want its message", zh.Error(plain))
	}
}

func TestContext(t *testing.T) {
	zh, _ := lang.Parse("zh")
	ctx := context.Background()
	if got := lang.From(ctx).String(); got != "en" {
		t.Errorf("From(a bare context) = %s; want en", got)
	}
	ctx = lang.With(ctx, zh)
	if got := lang.Say(ctx, "goroutine ended"); got != zh.Say("goroutine ended") {
		t.Errorf("Say(ctx with zh) = %q; want %q", got, zh.Say("goroutine ended"))
	}
	if got := lang.Sayf(ctx, "closed by %s", "x"); got != zh.Sayf("closed by %s", "x") {
		t.Errorf("Sayf(ctx with zh) = %q; want %q", got, zh.Sayf("closed by %s", "x"))
	}
}

func TestTag(t *testing.T) {
	zh, _ := lang.Parse("zh")
	if lang.English.Tag() != "en" || zh.Tag() != "zh-CN" || (lang.Lang{}).Tag() != "en" {
		t.Errorf("tags: English %q, zh %q, zero %q; want en, zh-CN, en", lang.English.Tag(), zh.Tag(), (lang.Lang{}).Tag())
	}
}

func ExampleLang_Sayf() {
	zh, _ := lang.Parse("zh")
	for _, l := range []lang.Lang{lang.English, zh} {
		fmt.Println(l.Sayf("goroutine started in %s", "server.RunServer"))
		fmt.Println(l.Error(lang.Errorf("--log-level %s: allowed: debug, info, warn, error", "loud")))
	}
	// Output:
	// goroutine started in server.RunServer
	// --log-level loud: allowed: debug, info, warn, error
	// goroutine 启动于 server.RunServer
	// --log-level loud：可选 debug、info、warn、error
}
