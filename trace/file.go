package trace

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// CreateFile creates the file name for writing, or truncates it if it
// exists, with mode 0600; an existing file's mode is narrowed to 0600 as
// well. A trace holds the paths of the requests served and the addresses
// of the clients that sent them: it is not everyone's to read.
//
// CreateFile refuses to follow a symbolic link at name, so that a link
// placed where a trace is written cannot send the write elsewhere; the
// directories leading to name may be links. The walkthrough's
// --trace-file and --trace-html and traceview's -o write through it.
func CreateFile(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|oNoFollow, 0o600)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("open %s: a symbolic link, which is not followed: give the file's own path", name)
		}
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
