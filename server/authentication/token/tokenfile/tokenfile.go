package tokenfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kubewalk/kubewalk/server/authentication/user"
)

// TokenAuthenticator authenticates the tokens it was built with. It is
// safe for concurrent use: its tokens never change.
type TokenAuthenticator struct {
	tokens map[string]*user.DefaultInfo
}

// New returns an authenticator that accepts exactly the keys of tokens,
// each as its user.
func New(tokens map[string]*user.DefaultInfo) *TokenAuthenticator {
	return &TokenAuthenticator{tokens: tokens}
}

// NewCSV returns an authenticator for the tokens in the CSV file at path
// (see the package comment for the format). It fails, naming path and
// the line, when the file cannot be read, is not CSV, has a line of
// fewer than three columns, or lists a token that is empty or repeated.
// An empty file is valid and authenticates no one.
func NewCSV(path string) (*TokenAuthenticator, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tokens, err := parse(f)
	if err != nil {
		return nil, fmt.Errorf("token file %s: %w", path, err)
	}
	return New(tokens), nil
}

// parse reads the records of r. Its errors start with "line N: ", so
// that NewCSV can put the file name in front.
func parse(r io.Reader) (map[string]*user.DefaultInfo, error) {
	reader := csv.NewReader(r)
	reader.FieldsPerRecord = -1 // the groups column is optional
	tokens := map[string]*user.DefaultInfo{}
	firstLine := map[string]int{}
	for {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return tokens, nil
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := reader.FieldPos(0)
		if len(record) < 3 {
			columns := "columns"
			if len(record) == 1 {
				columns = "column"
			}
			return nil, fmt.Errorf("line %d: has %d %s; want at least 3 (token, user name, user uid)", line, len(record), columns)
		}
		token := record[0]
		switch first, seen := firstLine[token]; {
		case token == "":
			return nil, fmt.Errorf("line %d: the token is empty", line)
		case seen:
			return nil, fmt.Errorf("line %d: repeats the token of line %d", line, first)
		}
		firstLine[token] = line
		info := &user.DefaultInfo{Name: record[1], UID: record[2]}
		if len(record) >= 4 {
			info.Groups = strings.Split(record[3], ",")
		}
		tokens[token] = info
	}
}

// csvError rewords a csv.ParseError, which says "record on line N", to
// start "line N: " like parse's own errors.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: %w", pe.Line, pe.Err)
	}
	return err
}

// AuthenticateToken returns the user of token and true, or false when
// the file did not list it. It never returns an error.
func (a *TokenAuthenticator) AuthenticateToken(token string) (user.Info, bool, error) {
	info, ok := a.tokens[token]
	if !ok {
		return nil, false, nil
	}
	return info, true, nil
}
