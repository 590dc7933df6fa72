//go:build unix

package trace

import "syscall"

// oNoFollow makes opening a symbolic link fail with ELOOP.
const oNoFollow = syscall.O_NOFOLLOW
