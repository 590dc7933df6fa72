package trace

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// Log returns the logger ctx carries: inside a step, one whose lines carry
// the step's fields and are also recorded as events on the step's span. It
// never returns nil; without a kit it returns a disabled logger.
func Log(ctx context.Context) *zerolog.Logger { return zerolog.Ctx(ctx) }

func (k *Kit) setupLog(cfg Config) error {
	out := cfg.Log
	switch cfg.LogFormat {
	case "", "console":
		if out != nil {
			out = newConsole(out, !cfg.NoColor, cfg.Lang)
		}
	case "json":
	default:
		return fmt.Errorf("trace: unknown log format %q (allowed: console, json)", cfg.LogFormat)
	}
	if out == nil {
		// No one reads the lines, so they stay JSON, which costs no
		// allocations (the console writer parses each line again). Only
		// span events still need them; without a trace, nothing does.
		out = io.Discard
		if cfg.Exporter == nil && cfg.TraceFile == "" && cfg.TraceWriter == nil {
			cfg.LogLevel = zerolog.Disabled
		}
	} else {
		out = &afterEnd{out: &holdSteps{out: out}, ended: &k.ended, writing: &k.logWriting}
	}
	k.out = out
	k.logger = zerolog.New(out).Level(cfg.LogLevel)
	if cfg.Timestamps {
		// Our own hook rather than zerolog's Timestamp(), whose format is a
		// package-level setting.
		k.logger = k.logger.Hook(zerolog.HookFunc(func(e *zerolog.Event, _ zerolog.Level, _ string) {
			e.Str(zerolog.TimestampFieldName, time.Now().Format(time.RFC3339Nano))
		}))
	}
	k.logging = cfg.LogLevel != zerolog.Disabled
	return nil
}

// afterEnd writes to out until the kit has ended (Shutdown or Discard):
// the run's log ends with it. What ends later (in tests, what
// StopNeverStopped stops) says nothing.
type afterEnd struct {
	out   io.Writer
	ended *atomic.Bool
	// writing is held for reading while a line is written, and for
	// writing by EndLog, so that no line started before the log ended is
	// written after it.
	writing *sync.RWMutex
}

func (w *afterEnd) Write(p []byte) (int, error) {
	w.writing.RLock()
	defer w.writing.RUnlock()
	if w.ended.Load() {
		return len(p), nil
	}
	return w.out.Write(p)
}

// EndLog ends the run's log, as Shutdown does: from its return on, no
// line is written, not even one a goroutine had begun to write. The
// walkthrough calls it before its own last words on the same stream, so
// that a goroutine upstream never stops cannot log after them.
func (k *Kit) EndLog() {
	k.logWriting.Lock()
	defer k.logWriting.Unlock()
	k.ended.Store(true)
}

// echoTo returns l writing through a spanWriter, so that its lines are also
// events on span. When span does not record, l is returned as is.
func (k *Kit) echoTo(l zerolog.Logger, span oteltrace.Span) zerolog.Logger {
	if !span.IsRecording() {
		return l.Output(k.out)
	}
	return l.Output(spanWriter{kit: k, span: span, next: k.out})
}

// spanWriter records each JSON log line it is given as an event on span,
// named by the line's message, with the line's other fields as attributes,
// and then passes the line on unchanged.
type spanWriter struct {
	kit  *Kit
	span oteltrace.Span
	next io.Writer
}

func (w spanWriter) Write(p []byte) (int, error) {
	var fields map[string]any
	d := json.NewDecoder(bytes.NewReader(p))
	d.UseNumber()
	if d.Decode(&fields) == nil {
		msg, _ := fields[zerolog.MessageFieldName].(string)
		w.span.AddEvent(msg, oteltrace.WithAttributes(append(logAttrs(fields), w.kit.eventSeq())...))
	}
	return w.next.Write(p)
}

func logAttrs(fields map[string]any) []attribute.KeyValue {
	keys := make([]string, 0, len(fields))
	for key := range fields {
		keys = append(keys, key)
	}
	sort.Strings(keys) // a stable order for the trace file
	attrs := make([]attribute.KeyValue, 0, len(fields))
	for _, key := range keys {
		v := fields[key]
		switch key {
		case zerolog.MessageFieldName, zerolog.TimestampFieldName:
			continue
		case zerolog.LevelFieldName:
			key = LogLevelKey
		}
		switch v := v.(type) {
		case string:
			attrs = append(attrs, attribute.String(key, v))
		case bool:
			attrs = append(attrs, attribute.Bool(key, v))
		case json.Number:
			if i, err := v.Int64(); err == nil {
				attrs = append(attrs, attribute.Int64(key, i))
			} else {
				attrs = append(attrs, attribute.String(key, v.String()))
			}
		default:
			b, _ := json.Marshal(v)
			attrs = append(attrs, attribute.String(key, string(b)))
		}
	}
	return attrs
}

// narrate logs one of the kit's own events (a goroutine starting, a
// channel closing, …) to the console, with the fields of the step or
// goroutine it happened in, but not onto the span: the span already has the
// event under its own name.
// Without a log it costs a field test: goroutines of requests call it.
func (k *Kit) narrate(ctx context.Context, msg string, fields func(*zerolog.Event)) {
	if k.logging && logs(ctx, zerolog.InfoLevel) { // before Output, which copies the logger
		k.narrateLine(ctx, msg, fields)
	}
}

func (k *Kit) narrateLine(ctx context.Context, msg string, fields func(*zerolog.Event)) {
	l := zerolog.Ctx(ctx).Output(k.out)
	if e := l.Info(); e != nil {
		fields(e)
		e.Msg(msg)
	}
}

// logs reports whether the logger in ctx writes lines at level, so that
// callers can skip building what only a log line would use.
func logs(ctx context.Context, level zerolog.Level) bool {
	l := zerolog.Ctx(ctx)
	return l.GetLevel() <= level && zerolog.GlobalLevel() <= level
}
