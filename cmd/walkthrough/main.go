package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], runEnv{
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		signals: make(chan os.Signal, 2),
	}))
}
