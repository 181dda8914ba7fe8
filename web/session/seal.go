package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// KeySize is the size of a sealing key: AES-256.
const KeySize = 32

// MaxSealedBytes bounds what Open accepts, before any decoding.
const MaxSealedBytes = 8 << 10

// ErrInvalid is returned by Open for anything that does not open: wrong
// key, wrong purpose, tampering, truncation, or a malformed encoding.
var ErrInvalid = errors.New("session: sealed value is invalid")

// Sealer seals and opens values. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
	rand io.Reader
}

// NewSealer returns a Sealer for a KeySize-byte key. rand supplies nonces;
// nil means crypto/rand.
func NewSealer(key []byte, rnd io.Reader) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("session: key is %d bytes; want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	return &Sealer{aead: aead, rand: rnd}, nil
}

// Seal encodes v as JSON and seals it for purpose. The result is URL- and
// cookie-safe base64.
func (s *Sealer) Seal(purpose string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("session: encode %s: %w", purpose, err)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return "", fmt.Errorf("session: nonce: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, plain, []byte(purpose))
	if base64.RawURLEncoding.EncodedLen(len(out)) > MaxSealedBytes {
		return "", fmt.Errorf("session: sealed %s is larger than %d bytes", purpose, MaxSealedBytes)
	}
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open reverses Seal. Any failure is ErrInvalid; the cause is not exposed
// because it would only help an attacker.
func (s *Sealer) Open(purpose, sealed string, v any) error {
	if sealed == "" || len(sealed) > MaxSealedBytes {
		return ErrInvalid
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return ErrInvalid
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(purpose))
	if err != nil {
		return ErrInvalid
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return ErrInvalid
	}
	return nil
}
