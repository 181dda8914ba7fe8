package apppass

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func TestParseHash(t *testing.T) {
	good, err := hashPassword("pw", fastParams, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"good", good, true},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1), false},
		{"old version", strings.Replace(good, "v=19", "v=16", 1), false},
		{"huge memory", strings.Replace(good, "m=8,", "m=4194304,", 1), false},
		{"huge time", strings.Replace(good, "t=1,", "t=1000,", 1), false},
		{"threads 300", strings.Replace(good, "p=1$", "p=300$", 1), false},
		{"reordered params", strings.Replace(good, "m=8,t=1", "t=1,m=8", 1), false},
		{"short salt", strings.Join([]string{"", parts[1], parts[2], parts[3], "AAAA", parts[5]}, "$"), false},
		{"bad base64", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "!!"}, "$"), false},
		{"too long", good + strings.Repeat("A", 300), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := parseHash(tt.in)
			if tt.ok {
				if err != nil || !h.matches("pw") || h.matches("px") {
					t.Fatalf("parseHash = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("parseHash = %v, want ErrMalformedHash", err)
			}
		})
	}
}

func FuzzParseHash(f *testing.F) {
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$$")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHash(s)
		if err != nil {
			return
		}
		if h.params.check() != nil || len(h.salt) < 8 || len(h.hash) < 16 {
			t.Fatalf("accepted out-of-range hash %q", s)
		}
	})
}

func FuzzNormalize(f *testing.F) {
	f.Add("abcd-efgh-jkmn-pqrs-tuvw-xyz2")
	f.Add("ABCD EFGH JKMN PQRS TUVW XYZ2")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := normalize(s)
		if !ok {
			return
		}
		if len(n) != Len {
			t.Fatalf("normalize(%q) = %q", s, n)
		}
		for i := 0; i < len(n); i++ {
			if !strings.Contains(Alphabet, n[i:i+1]) {
				t.Fatalf("normalize(%q) = %q has %q", s, n, n[i])
			}
		}
		if again, ok := normalize(n); !ok || again != n {
			t.Fatalf("not idempotent: %q", n)
		}
	})
}
