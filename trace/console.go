package trace

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kubewalk/kubewalk/trace/lang"
	"github.com/rs/zerolog"
)

// consoleWidth is the width the narration wraps notes and fields at, so
// that it reads in a 100-column terminal.
const consoleWidth = 100

// console is the log writer of the console format: it turns the JSON
// lines the loggers write into the narration a person reads. Each step
// opens with a header line (step, upstream file@ref, chapter); the lines
// of a step follow, indented and without the fields every line repeats in
// JSON; a line from another goroutine than the line before it is preceded
// by the name of its lane; a note goes on its own line. Time stamps stay
// in the JSON format.
//
// A console is safe for concurrent use: it remembers the lane and step of
// the last line, so it writes one line at a time.
type console struct {
	out   io.Writer
	color bool
	lang  lang.Lang

	mu   sync.Mutex
	lane string // goroutine of the last line; "" for the caller's
	step string // step of the last line
	buf  bytes.Buffer
}

func newConsole(out io.Writer, color bool, l lang.Lang) *console {
	return &console{out: out, color: color, lang: l}
}

// Write renders one JSON log line p. A line that is not JSON is passed on
// as it is.
func (c *console) Write(p []byte) (int, error) {
	var fields map[string]any
	d := json.NewDecoder(bytes.NewReader(p))
	d.UseNumber()
	if d.Decode(&fields) != nil {
		return c.out.Write(p)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Reset()
	c.render(fields)
	if _, err := c.out.Write(c.buf.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *console) render(f map[string]any) {
	msg, _ := f[zerolog.MessageFieldName].(string)
	lane, _ := f[LogGoroutine].(string)
	step, _ := f[LogStepKey].(string)
	if msg == msgStepStarted {
		if lane != c.lane {
			c.laneLine(lane, "")
		}
		c.header(step, str(f[LogUpstreamKey]), str(f[LogChapterKey]))
		c.lane, c.step = lane, step
		return
	}
	if lane != c.lane || (lane == "" && step != c.step) {
		c.laneLine(lane, step)
	}
	c.lane, c.step = lane, step

	first := "    " + c.level(str(f[zerolog.LevelFieldName]))
	if text, ok := c.kitLine(msg, f); ok {
		c.line(first + c.paint(colorKit, text))
		return
	}
	c.fieldLines(first+msg, f)
	if note := str(f[LogNoteKey]); note != "" {
		c.wrap("      "+noteMark+" ", "        ", note, colorNote)
	}
}

// header writes a step's header line, with the upstream file on a line of
// its own when the three do not fit in one.
func (c *console) header(step, upstream, chapter string) {
	name := "▸ " + c.paint(colorStep, step)
	tail := " · " + c.lang.Sayf("chapter %s", chapter)
	line := name + " · " + c.paint(colorFaint, upstream) + tail
	if width("▸ "+step+" · "+upstream+tail) <= consoleWidth {
		c.line(line)
		return
	}
	c.line(name + tail)
	c.line("  " + c.paint(colorFaint, upstream))
}

// laneLine names the goroutine the next lines come from: a goroutine by
// its name, the caller's goroutine as main, followed by the step it is
// back in when step is not empty.
func (c *console) laneLine(lane, step string) {
	if lane != "" {
		c.line("  " + c.paint(colorLane, "["+lane+"]"))
		return
	}
	line := "  " + c.paint(colorLane, "["+mainLane+"]")
	if step != "" {
		line += " " + step
	}
	c.line(line)
}

// kitLine renders the kit's own narration (channels, listeners,
// goroutines) in a few words, and reports whether msg was one of them.
func (c *console) kitLine(msg string, f map[string]any) (string, bool) {
	switch msg {
	case EventChanMake:
		return msg + " " + str(f["chan"]) + " (" + c.lang.Sayf("closed by %s", str(f["owner"])) + ")", true
	case EventChanClose, EventChanWait, EventChanRecv:
		return msg + " " + str(f["chan"]), true
	case EventListenerOpen, EventListenerClose:
		return msg + " " + str(f["addr"]), true
	case msgGoroutineStarted:
		return c.lang.Sayf("goroutine started in %s", str(f[LogStepKey])), true
	case msgGoroutineEnded:
		return c.lang.Say("goroutine ended"), true
	}
	return "", false
}

// fieldLines writes first followed by the line's own fields, key=value,
// as many on a line as fit.
func (c *console) fieldLines(first string, f map[string]any) {
	keys := make([]string, 0, len(f))
	for key := range f {
		switch key {
		case zerolog.MessageFieldName, zerolog.LevelFieldName, zerolog.TimestampFieldName,
			LogStepKey, LogUpstreamKey, LogGoroutine, LogNoteKey, LogChapterKey:
			continue
		}
		keys = append(keys, key)
	}
	sort.Strings(keys)
	line, n := first, width(first)
	for _, key := range keys {
		kv := key + "=" + value(f[key])
		if n+1+width(kv) > consoleWidth && n > 6 {
			c.line(line)
			line, n = "      ", 6
		} else {
			line, n = line+" ", n+1
		}
		line += c.paint(colorFaint, kv)
		n += width(kv)
	}
	c.line(line)
}

// wrap writes text after first, piece by piece, going on at indent on the
// next line whenever a piece would pass consoleWidth. The pieces are
// words, and, in Chinese, single characters: a line may break between
// any two, but not before closing punctuation.
func (c *console) wrap(first, indent, text string, color string) {
	for _, l := range wrapPieces(first, indent, text, func(s string) string { return c.paint(color, s) }) {
		c.line(l)
	}
}

// Wrap cuts text into lines of at most 100 columns, as the console wraps
// notes: the first line starts with first, the others with indent; a
// line breaks between words, or between two Chinese characters, but not
// before closing punctuation. A word longer than a line stays whole.
func Wrap(first, indent, text string) []string {
	return wrapPieces(first, indent, text, func(s string) string { return s })
}

func wrapPieces(first, indent, text string, paint func(string) string) []string {
	var lines []string
	line, n := first, width(first)
	for i, p := range pieces(text) {
		sep := ""
		if p.spaced && i > 0 {
			sep = " "
		}
		if i > 0 && n+width(sep)+width(p.text) > consoleWidth {
			lines = append(lines, line)
			line, n = indent+paint(p.text), width(indent)+width(p.text)
			continue
		}
		line += sep + paint(p.text)
		n += width(sep) + width(p.text)
	}
	return append(lines, line)
}

// A piece of text that wrap keeps on one line: a word, or a wide
// character with the closing punctuation after it; spaced says whether a
// space came before it.
type piece struct {
	text   string
	spaced bool
}

// pieces cuts text into the pieces wrap may break between.
func pieces(text string) []piece {
	var out []piece
	var cur []rune
	spaced := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, piece{string(cur), spaced})
			cur, spaced = cur[:0], false
		}
	}
	for _, r := range text {
		switch {
		case r == ' ' || r == '\t' || r == '\n':
			flush()
			spaced = true
		case strings.ContainsRune(closing, r):
			cur = append(cur, r) // stays with what it closes
		case wide(r):
			flush()
			cur = append(cur, r)
		default:
			if len(cur) > 0 && wide(cur[len(cur)-1]) {
				flush()
			}
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// closing is the punctuation a line must not start with.
const closing = "，。、；：？！）》」』”’%,.;:?!)]}"

func (c *console) line(s string) {
	c.buf.WriteString(s)
	c.buf.WriteByte('\n')
}

func (c *console) level(l string) string {
	switch l {
	case "", zerolog.LevelInfoValue:
		return ""
	case zerolog.LevelWarnValue:
		return c.paint(colorWarn, "WRN") + " "
	case zerolog.LevelErrorValue, zerolog.LevelFatalValue, zerolog.LevelPanicValue:
		return c.paint(colorError, "ERR") + " "
	case zerolog.LevelDebugValue:
		return c.paint(colorFaint, "DBG") + " "
	}
	return strings.ToUpper(l) + " "
}

// ANSI colours, used only when the console is a terminal.
const (
	colorStep  = "\x1b[1;36m" // bold cyan
	colorLane  = "\x1b[35m"   // magenta
	colorKit   = "\x1b[34m"   // blue
	colorNote  = "\x1b[32m"   // green
	colorFaint = "\x1b[2m"
	colorWarn  = "\x1b[33m"
	colorError = "\x1b[1;31m"
	colorReset = "\x1b[0m"
)

func (c *console) paint(color, s string) string {
	if !c.color || s == "" {
		return s
	}
	return color + s + colorReset
}

// width is the number of columns s takes in a terminal: two for a wide
// character, one for any other.
func width(s string) int {
	n := 0
	for _, r := range s {
		n++
		if wide(r) {
			n++
		}
	}
	return n
}

// wide reports whether r takes two columns in a terminal: Hangul jamo,
// the CJK blocks from radicals to Yi (Han characters, CJK punctuation,
// kana), Hangul syllables, the compatibility ideographs and forms, and
// the fullwidth forms (Unicode's East Asian Width W and F, for the
// characters the narration uses).
func wide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115f, r >= 0x2e80 && r <= 0xa4cf, r >= 0xac00 && r <= 0xd7a3,
		r >= 0xf900 && r <= 0xfaff, r >= 0xfe30 && r <= 0xfe4f, r >= 0xff00 && r <= 0xff60,
		r >= 0xffe0 && r <= 0xffe6, r >= 0x20000 && r <= 0x3fffd:
		return true
	}
	return false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// value writes a field's value as zerolog's console writer does: strings
// as they are, quoted when they hold a space; numbers as they are;
// anything else as JSON.
func value(v any) string {
	switch v := v.(type) {
	case string:
		if strings.ContainsAny(v, " \t\"=") {
			return strconv.Quote(v)
		}
		return v
	case json.Number:
		return v.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// holdSteps passes log lines on, except that it holds the lines saying a
// step started until the log goes on with another line. A run that stops
// before anything happened, such as one with a bad flag or --help, then
// writes only its own message; every other run writes the same lines, in
// the same order. Only the held lines are written under its lock: the
// console decodes each line before taking its own, so goroutines that log
// at once decode their lines at once too.
type holdSteps struct {
	out io.Writer

	mu   sync.Mutex
	held [][]byte
}

var stepStarted = []byte(`"` + zerolog.MessageFieldName + `":"` + msgStepStarted + `"`)

func (w *holdSteps) Write(p []byte) (int, error) {
	if bytes.Contains(p, stepStarted) {
		w.mu.Lock()
		w.held = append(w.held, bytes.Clone(p)) // zerolog reuses p
		w.mu.Unlock()
		return len(p), nil
	}
	if err := w.flush(); err != nil {
		return 0, err
	}
	return w.out.Write(p)
}

// flush writes the held lines. A line written after a step's line was
// held waits here until that line is written, so it never comes first.
func (w *holdSteps) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, h := range w.held {
		if _, err := w.out.Write(h); err != nil {
			return err
		}
	}
	w.held = w.held[:0]
	return nil
}
