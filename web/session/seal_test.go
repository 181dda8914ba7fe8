package session_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/web/session"
)

type payload struct {
	User string
	N    int
}

func newSealer(t *testing.T, b byte) *session.Sealer {
	t.Helper()
	s, err := session.NewSealer(bytes.Repeat([]byte{b}, session.KeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpenRoundTrip(t *testing.T) {
	s := newSealer(t, 1)
	sealed, err := s.Seal("session", payload{User: "alice", N: 7})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "alice") {
		t.Fatal("sealed value leaks plaintext")
	}
	var got payload
	if err := s.Open("session", sealed, &got); err != nil {
		t.Fatal(err)
	}
	if got != (payload{User: "alice", N: 7}) {
		t.Fatalf("got %+v", got)
	}
}

func TestOpen_Rejects(t *testing.T) {
	s := newSealer(t, 1)
	sealed, err := s.Seal("session", payload{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(sealed)
	flipped[len(flipped)/2] ^= 'A' ^ 'B'
	tests := []struct {
		name, purpose, value string
		sealer               *session.Sealer
	}{
		{"wrong purpose", "flow", sealed, s},
		{"wrong key", "session", sealed, newSealer(t, 2)},
		{"tampered", "session", string(flipped), s},
		{"truncated", "session", sealed[:10], s},
		{"empty", "session", "", s},
		{"not base64", "session", "!!!!", s},
		{"oversized", "session", strings.Repeat("A", session.MaxSealedBytes+1), s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got payload
			if err := tt.sealer.Open(tt.purpose, tt.value, &got); !errors.Is(err, session.ErrInvalid) {
				t.Fatalf("Open = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestNewSealer_KeySize(t *testing.T) {
	if _, err := session.NewSealer(make([]byte, 16), nil); err == nil {
		t.Fatal("16-byte key accepted")
	}
}

func FuzzOpen(f *testing.F) {
	// A fixed nonce source keeps "good" identical in every fuzz worker process.
	s, _ := session.NewSealer(bytes.Repeat([]byte{1}, session.KeySize), bytes.NewReader(make([]byte, 12)))
	good, _ := s.Seal("p", payload{User: "x"})
	f.Add(good)
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, in string) {
		var p payload
		// Only the value this sealer produced may open: anything else is a forgery.
		if err := s.Open("p", in, &p); err == nil && in != good {
			t.Fatalf("forged value %q opened as %+v", in, p)
		}
	})
}
