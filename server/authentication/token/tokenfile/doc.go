// Package tokenfile authenticates bearer tokens listed in a CSV file, the
// file kube-apiserver's --token-auth-file names. It mirrors
// k8s.io/apiserver/pkg/authentication/token/tokenfile (v1.7,
// staging/src/k8s.io/apiserver/pkg/authentication/token/tokenfile/tokenfile.go).
//
// Each line of the file is one token:
//
//	token,user,uid[,"group1,group2"]
//
// Columns after the fourth are ignored. The groups column holds a comma
// list, so it must be quoted when it names more than one group.
//
// # Differences from upstream
//
//   - A line with an empty token, or a token already listed, is an error
//     naming both lines; upstream lets the last line win (and, since v1.9,
//     skips empty tokens), logging a warning.
//   - Every error names the file and the line.
package tokenfile
