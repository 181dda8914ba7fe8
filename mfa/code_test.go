package mfa_test

import (
	"encoding/base32"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/mfa"
)

// rfcSecret is the RFC 6238 Appendix B SHA-1 seed "12345678901234567890".
var rfcSecret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{
		Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		t.Fatalf("GenerateCodeCustom: %v", err)
	}
	return code
}

func TestValidateCode_RFC6238Vectors(t *testing.T) {
	// RFC 6238 Appendix B, SHA-1, truncated to six digits.
	tests := []struct {
		name string
		unix int64
		code string
	}{
		{"t=59", 59, "287082"},
		{"t=1111111109", 1111111109, "081804"},
		{"t=1234567890", 1234567890, "005924"},
		{"t=2000000000", 2000000000, "279037"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := mfa.ValidateCode(rfcSecret, tt.code, time.Unix(tt.unix, 0), 0)
			if !ok {
				t.Fatalf("ValidateCode(%q) = false, want true", tt.code)
			}
			if want := uint64(tt.unix / 30); step != want {
				t.Errorf("step = %d, want %d", step, want)
			}
		})
	}
}

func TestValidateCode_Skew(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 15, 0, time.UTC)
	base := uint64(now.Unix() / 30)
	tests := []struct {
		name   string
		offset int // steps the code's clock is off by
		skew   uint
		want   bool
	}{
		{"minus2_skew1", -2, 1, false},
		{"minus1_skew1", -1, 1, true},
		{"zero_skew1", 0, 1, true},
		{"plus1_skew1", 1, 1, true},
		{"plus2_skew1", 2, 1, false},
		{"minus2_skew2", -2, 2, true},
		{"plus2_skew2", 2, 2, true},
		{"plus1_skew0", 1, 0, false},
		{"zero_skew0", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := codeAt(t, rfcSecret, now.Add(time.Duration(tt.offset)*mfa.Period))
			step, ok := mfa.ValidateCode(rfcSecret, code, now, tt.skew)
			if ok != tt.want {
				t.Fatalf("ValidateCode ok = %v, want %v", ok, tt.want)
			}
			if ok && step != uint64(int64(base)+int64(tt.offset)) {
				t.Errorf("step = %d, want %d", step, int64(base)+int64(tt.offset))
			}
		})
	}
}

func TestValidateCode_RejectsMalformedInput(t *testing.T) {
	now := time.Unix(59, 0)
	tests := []struct {
		name, secret, code string
		skew               uint
	}{
		{"empty code", rfcSecret, "", 1},
		{"five digits", rfcSecret, "28708", 1},
		{"seven digits", rfcSecret, "2870820", 1},
		{"leading space", rfcSecret, " 287082", 1},
		{"trailing newline", rfcSecret, "287082\n", 1},
		{"inner space", rfcSecret, "287 082", 1},
		{"sign", rfcSecret, "+87082", 1},
		{"letter", rfcSecret, "28708a", 1},
		{"arabic-indic digits", rfcSecret, "٢٨٧٠٨٢", 1},
		{"fullwidth digits", rfcSecret, "２８７０８２", 1},
		{"lower-case secret", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", "287082", 1},
		{"padded secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====", "287082", 1},
		{"short secret", "GEZDGNBVGY3TQOJQ", "287082", 1},
		{"secret with space", "GEZD GNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "287082", 1},
		{"empty secret", "", "287082", 1},
		{"skew too large", rfcSecret, "287082", mfa.MaxSkew + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := mfa.ValidateCode(tt.secret, tt.code, now, tt.skew); ok {
				t.Errorf("ValidateCode(%q, %q) = true, want false", tt.secret, tt.code)
			}
		})
	}
}

func TestValidateCode_BeforeEpochNeverMatches(t *testing.T) {
	code := codeAt(t, rfcSecret, time.Unix(0, 0))
	if _, ok := mfa.ValidateCode(rfcSecret, code, time.Unix(-1, 0), 1); ok {
		t.Error("ValidateCode before the epoch = true, want false")
	}
	if _, ok := mfa.ValidateCode(rfcSecret, code, time.Unix(0, 0), 1); !ok {
		t.Error("ValidateCode at the epoch = false, want true (step 0 with skew clamped at 0)")
	}
}

func FuzzValidateCode(f *testing.F) {
	f.Add(rfcSecret, "287082", int64(59), uint(1))
	f.Add(rfcSecret, "", int64(0), uint(0))
	f.Add(rfcSecret, "28708２", int64(59), uint(1))
	f.Add("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ====", "287082", int64(59), uint(1))
	f.Add("", "000000", int64(-1), uint(11))
	f.Add(rfcSecret, "0000000000", int64(1<<62), ^uint(0))
	f.Fuzz(func(t *testing.T, secret, code string, unix int64, skew uint) {
		step, ok := mfa.ValidateCode(secret, code, time.Unix(unix, 0), skew)
		if !ok {
			if step != 0 {
				t.Errorf("step = %d with ok=false", step)
			}
			return
		}
		if len(code) != 6 {
			t.Fatalf("accepted %q: not six bytes", code)
		}
		for _, c := range []byte(code) {
			if c < '0' || c > '9' {
				t.Fatalf("accepted %q: not ASCII digits", code)
			}
		}
		if skew > mfa.MaxSkew {
			t.Fatalf("accepted with skew %d > MaxSkew", skew)
		}
		cur := uint64(unix / 30)
		if step+uint64(skew) < cur || step > cur+uint64(skew) {
			t.Fatalf("step %d outside %d±%d", step, cur, skew)
		}
	})
}
