package mfa

import (
	"crypto/subtle"
	"encoding/base32"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// Fixed TOTP parameters: the combination every authenticator app supports
// (RFC 6238 defaults, Google Authenticator key URI format).
const (
	// Period is the length of one time step.
	Period = 30 * time.Second
	// Digits is the number of digits in a code.
	Digits = 6
	// SecretSize is the size of generated seeds in bytes (160 bits, as
	// RFC 4226 §4 recommends).
	SecretSize = 20
	// MaxSkew is the largest Skew accepted: a wider window makes guessing
	// proportionally easier.
	MaxSkew = 10

	minSecretBytes = 16  // RFC 4226 §4 R6: at least 128 bits
	maxSecretBytes = 64  // bounds the HMAC key and the stored row
	maxSecretChars = 103 // base32 length of maxSecretBytes without padding
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// ValidateCode reports whether code is the TOTP of secret for one of the time
// steps within skew steps of now, and which step matched. It is pure: no
// clock, no state; the caller records step to refuse replays.
//
// code must be exactly six ASCII digits; anything else is refused before any
// HMAC is computed. secret must be an unpadded upper-case base32 seed of 16 to
// 64 bytes. All candidate steps are computed and compared in constant time,
// so timing does not reveal which step (if any) matched. skew is capped at
// MaxSkew; times before the Unix epoch never match.
func ValidateCode(secret string, code string, now time.Time, skew uint) (step uint64, ok bool) {
	if !isCode(code) || skew > MaxSkew || checkSecret(secret) != nil {
		return 0, false
	}
	unix := now.Unix()
	if unix < 0 {
		return 0, false
	}
	current := uint64(unix) / uint64(Period/time.Second)
	opts := hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	var matched uint64
	found := 0
	for s := current - min(uint64(skew), current); s <= current+uint64(skew); s++ {
		want, err := hotp.GenerateCodeCustom(secret, s, opts)
		if err != nil {
			return 0, false
		}
		eq := subtle.ConstantTimeCompare([]byte(want), []byte(code))
		// Keep the first match without branching on the comparison.
		take := uint64(eq & (1 - found))
		matched = take*s + (1-take)*matched
		found |= eq
	}
	return matched, found == 1
}

// isCode reports whether code is exactly Digits ASCII digits.
func isCode(code string) bool {
	if len(code) != Digits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// checkSecret validates an unpadded, upper-case base32 seed of
// minSecretBytes to maxSecretBytes.
func checkSecret(secret string) error {
	if len(secret) == 0 || len(secret) > maxSecretChars {
		return ErrInvalidSecret
	}
	for i := 0; i < len(secret); i++ {
		c := secret[i]
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return ErrInvalidSecret
		}
	}
	raw, err := b32.DecodeString(secret)
	if err != nil || len(raw) < minSecretBytes || len(raw) > maxSecretBytes {
		return ErrInvalidSecret
	}
	return nil
}

// stepExpiry is the first instant at which step can no longer match with the
// given skew: the end of step+skew. A replay record must live until then.
func stepExpiry(step uint64, skew uint) time.Time {
	return time.Unix(int64(step+uint64(skew)+1)*int64(Period/time.Second), 0).UTC()
}
