package main

import (
	"context"
	"os"

	"golang.org/x/term"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], runEnv{
		stdout:   os.Stdout,
		stderr:   os.Stderr,
		stdin:    os.Stdin,
		terminal: isTerminal(os.Stdin),
		signals:  make(chan os.Signal, 2),
	}))
}

// isTerminal reports whether f is a terminal (not /dev/null, a pipe or a file).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
