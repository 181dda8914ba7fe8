package o365

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// RejectError is returned by CheckWResult for every token Entra would refuse.
// Reason is a sentence for a person ("token expired at …"); values copied from
// the token are quoted and clipped, so Reason is safe to log and to show
// (HTML-escaped) on a page. Err, when set, is the underlying parser or
// signature error.
type RejectError struct {
	Reason string
	Err    error
}

func (e *RejectError) Error() string {
	if e.Err != nil {
		return "o365: token rejected: " + e.Reason + ": " + e.Err.Error()
	}
	return "o365: token rejected: " + e.Reason
}

// Unwrap returns the underlying error, if any.
func (e *RejectError) Unwrap() error { return e.Err }

func reject(err error, format string, args ...any) *RejectError {
	return &RejectError{Reason: fmt.Sprintf(format, args...), Err: err}
}

// maxQuoted is how many bytes of an untrusted value a Reason repeats.
const maxQuoted = 96

// q quotes an untrusted value for a Reason, clipped to maxQuoted bytes on a
// rune boundary.
func q(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
