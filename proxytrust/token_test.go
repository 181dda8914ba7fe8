package proxytrust_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/proxytrust"
)

func TestParseToken(t *testing.T) {
	tok, err := proxytrust.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := tok.Reveal()
	tests := []struct {
		name  string
		in    string
		valid bool
	}{
		{"issued token", good, true},
		{"trailing newline from a token file", good + "\n", true},
		{"surrounding spaces", "  " + good + " ", true},
		{"empty", "", false},
		{"wrong prefix", "fgpt2." + good[6:], false},
		{"truncated", good[:len(good)-1], false},
		{"one character too many", good + "A", false},
		{"standard base64 alphabet", good[:len(good)-1] + "+", false},
		{"padding", good[:len(good)-1] + "=", false},
		{"over the input limit", strings.Repeat(" ", proxytrust.MaxTokenInput) + good, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := proxytrust.ParseToken(tt.in)
			if tt.valid {
				if err != nil {
					t.Fatalf("ParseToken: %v", err)
				}
				if got.Reveal() != good || got.Hash() != tok.Hash() {
					t.Fatal("parsed token differs from the issued one")
				}
				return
			}
			if !errors.Is(err, proxytrust.ErrInvalidToken) {
				t.Fatalf("err = %v, want ErrInvalidToken", err)
			}
			if strings.Contains(err.Error(), good[6:20]) {
				t.Fatal("error message contains the token")
			}
		})
	}
}

func TestToken_NeverPrinted(t *testing.T) {
	tok, err := proxytrust.NewToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := tok.Reveal()
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("x", slog.Any("token", tok), slog.Any("t2", tok))
	js, err := json.Marshal(struct{ T proxytrust.Token }{tok})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", tok), "%s": fmt.Sprintf("%s", tok), "%q": fmt.Sprintf("%q", tok),
		"%#v": fmt.Sprintf("%#v", tok), "%+v": fmt.Sprintf("%+v", tok), "%x": fmt.Sprintf("%x", tok),
		"%d": fmt.Sprintf("%d", tok), "String": tok.String(), "slog": logBuf.String(), "json": string(js),
		"error": fmt.Errorf("wrap: %v", tok).Error(),
	}
	for name, out := range outputs {
		if strings.Contains(out, secret[6:]) {
			t.Errorf("%s leaks the token: %s", name, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s = %q, want [redacted]", name, out)
		}
	}
}

func TestToken_HashIsStableAndDistinct(t *testing.T) {
	a, _ := proxytrust.NewToken(rand.Reader)
	b, _ := proxytrust.NewToken(rand.Reader)
	if a.Hash() == b.Hash() {
		t.Fatal("two tokens share a hash")
	}
	if len(a.Hash()) != 64 || strings.Contains(a.Hash(), a.Reveal()) {
		t.Fatalf("hash %q is not 64 hex digits independent of the token", a.Hash())
	}
}

func FuzzParseToken(f *testing.F) {
	tok, _ := proxytrust.NewToken(rand.Reader)
	for _, s := range []string{tok.Reveal(), tok.Reveal() + "\n", "", "fgpt1.", "fgpt1." + strings.Repeat("A", 43), "fgpt1." + strings.Repeat("_", 44), "Bearer x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := proxytrust.ParseToken(s)
		if err != nil {
			if !errors.Is(err, proxytrust.ErrInvalidToken) {
				t.Fatalf("error %v is not ErrInvalidToken", err)
			}
			return
		}
		again, err := proxytrust.ParseToken(got.Reveal())
		if err != nil || again.Reveal() != got.Reveal() {
			t.Fatalf("round trip of %q failed: %v", got.Reveal(), err)
		}
		if len(got.Reveal()) != 49 {
			t.Fatalf("accepted token of length %d", len(got.Reveal()))
		}
	})
}
