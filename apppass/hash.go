package apppass

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id parameters. They are recorded in every hash, so
// changing them affects new passwords only.
type Params struct {
	// Memory in KiB. Default 19456 (19 MiB, the OWASP minimum).
	Memory uint32
	// Time is the number of passes. Default 2.
	Time uint32
	// Threads is the degree of parallelism. Default 1.
	Threads uint8
}

// DefaultParams follow the OWASP password-storage recommendation for
// argon2id. Verify costs one hash per stored password of the user, so with
// MaxPerUser 10 a wrong password costs about ten of these.
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1}

// Limits on parameters accepted from configuration and from stored hashes,
// so a corrupted row cannot make Verify allocate gigabytes.
const (
	minMemory  = 8       // KiB; argon2's own floor for one thread
	maxMemory  = 1 << 20 // 1 GiB
	maxTime    = 16
	maxThreads = 16
	saltLen    = 16
	keyLen     = 32
	maxHashLen = 256 // a PHC string with maximal parameters is < 120 bytes
)

func (p Params) check() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("threads %d outside 1..%d", p.Threads, maxThreads)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d outside 1..%d", p.Time, maxTime)
	case p.Memory < minMemory*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("memory %d KiB outside %d..%d", p.Memory, minMemory*uint32(p.Threads), maxMemory)
	}
	return nil
}

var b64 = base64.RawStdEncoding

// hashPassword derives an argon2id hash of password with a fresh salt from
// rand and returns it in PHC string format.
func hashPassword(password string, p Params, rand io.Reader) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("apppass: read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// phc is a parsed hash.
type phc struct {
	params     Params
	salt, hash []byte
}

// parseHash reads a PHC string written by hashPassword. It accepts only
// argon2id version 19 with parameters inside the limits above.
func parseHash(s string) (*phc, error) {
	if len(s) > maxHashLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrMalformedHash, len(s), maxHashLen)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return nil, fmt.Errorf("%w: want $argon2id$v=19$m=…,t=…,p=…$salt$hash", ErrMalformedHash)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return nil, fmt.Errorf("%w: version %q, want v=%d", ErrMalformedHash, parts[2], argon2.Version)
	}
	var p Params
	for i, kv := range strings.Split(parts[3], ",") {
		name, val, ok := strings.Cut(kv, "=")
		want := [...]string{"m", "t", "p"}
		if !ok || i >= len(want) || name != want[i] {
			return nil, fmt.Errorf("%w: parameters %q, want m=…,t=…,p=…", ErrMalformedHash, parts[3])
		}
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: parameter %s: %w", ErrMalformedHash, name, err)
		}
		switch name {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > maxThreads {
				return nil, fmt.Errorf("%w: threads %d above %d", ErrMalformedHash, n, maxThreads)
			}
			p.Threads = uint8(n)
		}
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return nil, fmt.Errorf("%w: salt must be 8 to 64 bytes of unpadded base64", ErrMalformedHash)
	}
	hash, err := b64.DecodeString(parts[5])
	if err != nil || len(hash) < 16 || len(hash) > 64 {
		return nil, fmt.Errorf("%w: hash must be 16 to 64 bytes of unpadded base64", ErrMalformedHash)
	}
	return &phc{params: p, salt: salt, hash: hash}, nil
}

// matches hashes password with h's salt and parameters and compares in
// constant time.
func (h *phc) matches(password string) bool {
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.Memory, h.params.Threads, uint32(len(h.hash)))
	return subtle.ConstantTimeCompare(key, h.hash) == 1
}
