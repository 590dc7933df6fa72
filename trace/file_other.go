//go:build !unix

package trace

// oNoFollow is 0 where the system has no O_NOFOLLOW: CreateFile then
// follows links.
const oNoFollow = 0
