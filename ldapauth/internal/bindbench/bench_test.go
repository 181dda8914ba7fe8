package bindbench

import (
	"strings"
	"testing"
)

func TestResult_RatiosAndTable(t *testing.T) {
	tests := []struct {
		name                   string
		r                      Result
		ratio, direct, speedup float64
	}{
		{"samba-like", Result{Name: "samba", SignInsPerSec: 80, GroupSignInsPerSec: 90, RawBindsPerSec: 100, DialBindsPerSec: 50}, 0.8, 0.9, 2},
		{"nothing measured", Result{Name: "none"}, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.r.Ratio() != tt.ratio || tt.r.GroupRatio() != tt.direct || tt.r.PoolSpeedup() != tt.speedup {
				t.Errorf("ratios = %v %v %v", tt.r.Ratio(), tt.r.GroupRatio(), tt.r.PoolSpeedup())
			}
		})
	}
	var b strings.Builder
	if err := Write(&b, []Result{tests[0].r}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	for _, want := range []string{"samba", "0.80", "0.90", "2.0x", "goal >= 0.80"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
