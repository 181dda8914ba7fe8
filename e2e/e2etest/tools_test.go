package e2etest

import (
	"strings"
	"testing"
)

// recorder captures Skipf and Fatalf instead of stopping the goroutine.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skipf(format string, _ ...any)  { r.skipped = format }
func (r *recorder) Fatalf(format string, _ ...any) { r.failed = format }

func TestRequire_SkipsLocallyAndFailsInCI(t *testing.T) {
	tests := []struct {
		name, ci   string
		wantSkip   bool
		wantFailed bool
	}{
		{name: "local run skips", ci: "", wantSkip: true},
		{name: "CI=false skips", ci: "false", wantSkip: true},
		{name: "CI=true fails", ci: "true", wantFailed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			Require(r, "xmlsec1", "apt-get install -y xmlsec1")
			if (r.skipped != "") != tt.wantSkip || (r.failed != "") != tt.wantFailed {
				t.Fatalf("skipped=%q failed=%q", r.skipped, r.failed)
			}
			if msg := r.skipped + r.failed; !strings.Contains(msg, "install it with") {
				t.Errorf("message %q lacks the install hint", msg)
			}
		})
	}
}
