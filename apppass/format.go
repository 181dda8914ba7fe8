package apppass

import (
	"fmt"
	"io"
	"strings"
)

// Alphabet is the character set of app passwords: digits and lower-case
// letters without 0, 1, i, l and o, which are easily confused. 31
// characters, so each carries about 4.95 bits.
const Alphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// Format of a password: Groups groups of GroupLen characters joined by
// dashes (24 characters, about 119 bits).
const (
	Groups   = 6
	GroupLen = 4
	// Len is the number of alphabet characters in a password.
	Len = Groups * GroupLen
)

// generate returns a new password, drawing each character uniformly from
// Alphabet by rejection sampling.
func generate(rand io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 64)
	n := 0
	for n < Len {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return "", fmt.Errorf("apppass: read random: %w", err)
		}
		for _, c := range buf {
			// 248 = 8×31: values at or above it would bias the draw.
			if c >= 248 || n == Len {
				continue
			}
			if n > 0 && n%GroupLen == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(Alphabet[int(c)%len(Alphabet)])
			n++
		}
	}
	return b.String(), nil
}

// normalize turns what the user typed into the canonical form that is
// hashed: lower case, dashes and spaces removed. ok=false when the result
// is not Len characters of Alphabet; such input can never match and is
// refused without hashing (this reveals only that it is not an app
// password, which its shape already does).
func normalize(in string) (string, bool) {
	if len(in) > 4*Len {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch {
		case c == '-' || c == ' ':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if strings.IndexByte(Alphabet, c) < 0 {
			return "", false
		}
		b.WriteByte(c)
	}
	if b.Len() != Len {
		return "", false
	}
	return b.String(), true
}
