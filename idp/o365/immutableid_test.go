package o365_test

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/idp/o365"
)

func TestImmutableID_ReferenceVectors(t *testing.T) {
	tests := []struct {
		name        string
		rawHex      string
		immutableID string
		guid        string
	}{
		{"reference section 4", "456f9a2a2c0b1d4a9e3f5d6c7b8a9f01", "RW+aKiwLHUqeP11se4qfAQ==", "2a9a6f45-0b2c-4a1d-9e3f-5d6c7b8a9f01"},
		{"trace check", "", "JLX2E74/mk2m9Jf30wGM3Q==", "13f6b524-3fbe-4d9a-a6f4-97f7d3018cdd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := base64.StdEncoding.DecodeString(tt.immutableID)
			if err != nil {
				t.Fatal(err)
			}
			if tt.rawHex != "" {
				want, _ := hex.DecodeString(tt.rawHex)
				if string(raw) != string(want) {
					t.Fatalf("raw bytes = %x, want %x", raw, want)
				}
			}
			if got := o365.ImmutableID(raw); got != tt.immutableID {
				t.Errorf("ImmutableID = %q, want %q", got, tt.immutableID)
			}
			got, err := o365.GUIDString(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.guid {
				t.Errorf("GUIDString = %q, want %q", got, tt.guid)
			}
		})
	}
}

func TestImmutableID_IsNotBigEndianGUID(t *testing.T) {
	raw, _ := hex.DecodeString("456f9a2a2c0b1d4a9e3f5d6c7b8a9f01")
	if got := o365.ImmutableID(raw); got == "KppvRQssSh2eP11se4qfAQ==" {
		t.Fatalf("ImmutableID used the big-endian GUID order: %s", got)
	}
}

func TestGUIDString_RejectsWrongLength(t *testing.T) {
	for _, n := range []int{0, 15, 17} {
		t.Run(fmt.Sprintf("%d bytes", n), func(t *testing.T) {
			_, err := o365.GUIDString(make([]byte, n))
			if err == nil || !strings.HasPrefix(err.Error(), "o365: ") {
				t.Fatalf("GUIDString(%d bytes) error = %v, want an o365: error", n, err)
			}
		})
	}
}
