package mfa

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

func newTestSealer(t *testing.T, keyByte byte) *sealer {
	t.Helper()
	s, err := newSealer(bytes.Repeat([]byte{keyByte}, KeySize), rand.NewChaCha8([32]byte{9}))
	if err != nil {
		t.Fatalf("newSealer: %v", err)
	}
	return s
}

func TestSealer_RoundTripAndBinding(t *testing.T) {
	s := newTestSealer(t, 1)
	secret := []byte("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	sealed, err := s.seal(secret, seedAAD("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed value contains the plaintext")
	}
	again, err := s.seal(secret, seedAAD("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(sealed, again) {
		t.Error("two seals of the same secret are equal: nonce reused")
	}
	got, err := s.open(sealed, seedAAD("alice"))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open = %q, %v; want the secret", got, err)
	}

	tests := []struct {
		name   string
		sealer *sealer
		sealed func() []byte
		aad    []byte
	}{
		{"other user", s, func() []byte { return sealed }, seedAAD("bob")},
		{"user prefix", s, func() []byte { return sealed }, seedAAD("alic")},
		{"other column", s, func() []byte { return sealed }, []byte("mfa_totp|account|alice")},
		{"other key", newTestSealer(t, 2), func() []byte { return sealed }, seedAAD("alice")},
		{"truncated", s, func() []byte { return sealed[:len(sealed)-1] }, seedAAD("alice")},
		{"empty", s, func() []byte { return nil }, seedAAD("alice")},
		{"oversized", s, func() []byte { return make([]byte, sealMaxSize+1) }, seedAAD("alice")},
		{"unknown version", s, func() []byte { c := bytes.Clone(sealed); c[0] = 2; return c }, seedAAD("alice")},
	}
	for i := range sealed {
		tests = append(tests, struct {
			name   string
			sealer *sealer
			sealed func() []byte
			aad    []byte
		}{"flipped byte", s, func() []byte { c := bytes.Clone(sealed); c[i] ^= 0x80; return c }, seedAAD("alice")})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.sealer.open(tt.sealed(), tt.aad); !errors.Is(err, ErrUnseal) {
				t.Errorf("open err = %v, want ErrUnseal", err)
			}
		})
	}
}

func TestSealer_KeyMismatchNamesKeyIDs(t *testing.T) {
	a, b := newTestSealer(t, 1), newTestSealer(t, 2)
	sealed, err := a.seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.open(sealed, nil)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("key id")) {
		t.Errorf("err = %v, want a key id mismatch", err)
	}
}

func FuzzSealerOpen(f *testing.F) {
	s, err := newSealer(bytes.Repeat([]byte{1}, KeySize), rand.NewChaCha8([32]byte{}))
	if err != nil {
		f.Fatal(err)
	}
	valid, err := s.seal([]byte("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), seedAAD("alice"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid, "alice")
	f.Add([]byte{}, "")
	f.Add([]byte{1}, "alice")
	f.Add(bytes.Repeat([]byte{1}, 64), "alice")
	f.Fuzz(func(t *testing.T, sealed []byte, user string) {
		pt, err := s.open(sealed, seedAAD(user))
		if err != nil {
			if !errors.Is(err, ErrUnseal) {
				t.Fatalf("err = %v, want ErrUnseal", err)
			}
			return
		}
		// Only the genuine ciphertext for its own row may open.
		if !bytes.Equal(sealed, valid) || user != "alice" || string(pt) != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
			t.Fatalf("opened forged input %x for %q", sealed, user)
		}
	})
}
