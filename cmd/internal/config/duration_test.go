package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/config"
)

// TestParseDuration checks the config wrapper; the syntax itself is tested
// in internal/duration.
func TestParseDuration(t *testing.T) {
	d, err := config.ParseDuration("1d12h")
	if err != nil || d.Std() != 36*time.Hour {
		t.Fatalf("ParseDuration(1d12h) = %v, %v", d, err)
	}
	_, err = config.ParseDuration("fast")
	if err == nil || !strings.HasPrefix(err.Error(), "config: ") || !strings.Contains(err.Error(), `"fast" is not a valid duration; use a number with a unit`) {
		t.Fatalf("ParseDuration(fast) = %v", err)
	}
}
