package duration_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/internal/duration"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string // substring; "" means success
	}{
		{"90s", 90 * time.Second, ""},
		{"8h", 8 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"1d", 24 * time.Hour, ""},
		{"7d", 7 * 24 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"0d", 0, ""},
		{"0", 0, ""},
		{"0s", 0, ""},
		{"1.5h", 90 * time.Minute, ""},
		{"500ms", 500 * time.Millisecond, ""},
		{"3650d", 3650 * 24 * time.Hour, ""},
		{"", 0, "is empty"},
		{"-5s", 0, "is negative"},
		{"-1h", 0, "is negative"},
		{"-1d", 0, "is negative"},
		{"1d-5s", 0, "not a valid duration"},
		{"30", 0, "has no unit"},
		{"1d30", 0, "has no unit"},
		{"1.5d", 0, "days must be a leading whole number"},
		{"d", 0, "days must be a leading whole number"},
		{"12h1d", 0, "days must be a leading whole number"},
		{"1dd", 0, "not a valid duration"},
		{"1x", 0, "not a valid duration"},
		{"3651d", 0, "the maximum is 3650d"},
		{"99999d", 0, "the maximum is 3650d"},
		{"9999999999999h", 0, "not a valid duration"},
		{"3650d2562047h", 0, "too long"},
		{"fast", 0, "not a valid duration"},
		{strings.Repeat("1", 65) + "s", 0, "is too long"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := duration.Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "such as 90s, 5m, 8h or 1d") {
					t.Errorf("error %q does not say what is allowed", err)
				}
				var se *duration.SyntaxError
				if !errors.As(err, &se) || !strings.Contains(se.Problem, tt.wantErr) || strings.Contains(se.Problem, duration.Hint) {
					t.Errorf("error %q is not a *SyntaxError whose Problem leaves out the hint", err)
				}
				return
			}
			if err != nil || got.Std() != tt.want {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			// String is accepted by Parse and means the same.
			back, err := duration.Parse(got.String())
			if err != nil || back != got {
				t.Fatalf("Parse(%q.String() = %q) = %v, %v", tt.in, got.String(), back, err)
			}
		})
	}
}

func TestDuration_String(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{90 * time.Second, "1m30s"},
		{5 * time.Minute, "5m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{24 * time.Hour, "1d"},
		{36 * time.Hour, "1d12h"},
		{7*24*time.Hour + time.Second, "7d1s"},
		{500 * time.Millisecond, "500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := duration.Duration(tt.in).String(); got != tt.want {
				t.Errorf("Duration(%v).String() = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDuration_YAMLAndJSON(t *testing.T) {
	var v struct {
		D duration.Duration `yaml:"d"`
	}
	if err := yaml.Unmarshal([]byte("d: 1d12h\n"), &v); err != nil || v.D.Std() != 36*time.Hour {
		t.Fatalf("yaml.Unmarshal = %v, %v", v.D, err)
	}
	out, err := yaml.Marshal(v)
	if err != nil || string(out) != "d: 1d12h\n" {
		t.Fatalf("yaml.Marshal = %q, %v", out, err)
	}
	for _, bad := range []string{"d: -1s\n", "d: [1s]\n", "d: 10\n"} {
		err := yaml.Unmarshal([]byte(bad), &v)
		var te *yaml.TypeError
		if err == nil || !strings.Contains(err.Error(), "line 1") || !errors.As(err, &te) {
			t.Errorf("yaml.Unmarshal(%q) = %v, want a *yaml.TypeError naming line 1", bad, err)
		}
	}
	j, err := json.Marshal(duration.Duration(8 * time.Hour))
	if err != nil || string(j) != `"8h"` {
		t.Fatalf("json.Marshal = %s, %v", j, err)
	}
	var d duration.Duration
	if err := json.Unmarshal([]byte(`"7d"`), &d); err != nil || d.Std() != 7*24*time.Hour {
		t.Fatalf("json.Unmarshal = %v, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`"soon"`), &d); err == nil || !strings.Contains(err.Error(), "not a valid duration") {
		t.Fatalf("json.Unmarshal(soon) = %v", err)
	}
}
