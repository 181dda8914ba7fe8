package mfa

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// Sealed seed layout (all lengths in bytes):
//
//	version(1)=1 | keyID(8) | nonce(12) | AES-256-GCM ciphertext+tag
//
// The GCM additional data is version|keyID followed by the row binding
// "mfa_totp|secret|"+userID (authelia encryption_aad.go), so a sealed seed
// moved to another row, or a header edited to another key ID, fails to open.
// keyID is a public fingerprint of the key; it lets a key mismatch be
// reported as such and leaves room for rotation.
const (
	sealVersion   = 1
	sealKeyIDSize = 8
	sealHeader    = 1 + sealKeyIDSize
	sealMaxSize   = 1024 // far above any seed we produce; bounds open()
	// KeySize is the required length of Config.Key: AES-256.
	KeySize = 32
)

type sealer struct {
	aead  cipher.AEAD
	keyID [sealKeyIDSize]byte
	rand  io.Reader
}

func newSealer(key []byte, rand io.Reader) (*sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("mfa: key must be %d bytes (AES-256), got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("mfa: seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("mfa: seal key: %w", err)
	}
	s := &sealer{aead: aead, rand: rand}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("fedgate seal key id v1"))
	copy(s.keyID[:], mac.Sum(nil))
	return s, nil
}

// seedAAD binds a sealed seed to its table, column and row.
func seedAAD(userID string) []byte {
	return []byte("mfa_totp|secret|" + userID)
}

func (s *sealer) header() []byte {
	h := make([]byte, 0, sealHeader)
	h = append(h, sealVersion)
	return append(h, s.keyID[:]...)
}

func (s *sealer) seal(plaintext, aad []byte) ([]byte, error) {
	h := s.header()
	out := make([]byte, sealHeader+s.aead.NonceSize(), sealHeader+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	copy(out, h)
	nonce := out[sealHeader:]
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return nil, fmt.Errorf("mfa: seal: read nonce: %w", err)
	}
	return s.aead.Seal(out, nonce, plaintext, append(h, aad...)), nil
}

func (s *sealer) open(sealed, aad []byte) ([]byte, error) {
	min := sealHeader + s.aead.NonceSize() + s.aead.Overhead()
	if len(sealed) < min || len(sealed) > sealMaxSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d to %d", ErrUnseal, len(sealed), min, sealMaxSize)
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown format version %d", ErrUnseal, sealed[0])
	}
	if !hmac.Equal(sealed[1:sealHeader], s.keyID[:]) {
		return nil, fmt.Errorf("%w: sealed with key id %s, configured key has id %s",
			ErrUnseal, hex.EncodeToString(sealed[1:sealHeader]), hex.EncodeToString(s.keyID[:]))
	}
	nonce := sealed[sealHeader : sealHeader+s.aead.NonceSize()]
	pt, err := s.aead.Open(nil, nonce, sealed[sealHeader+s.aead.NonceSize():], append(s.header(), aad...))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed (row moved or data altered)", ErrUnseal)
	}
	return pt, nil
}
