package duration_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/internal/duration"
)

// FuzzParse checks that Parse never panics, refuses negative values, and
// that whatever it accepts up to 3650 days formats to a string it reads
// back as the same value. (Hours beyond that, "100000h", parse but format
// with more than 3650 days, which Parse refuses.)
func FuzzParse(f *testing.F) {
	for _, s := range []string{"90s", "1d12h", "0", "3650d", "1.5h", "-1s", "1d+5h", "d", "1dd", "3650d2562047h", strings.Repeat("9", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := duration.Parse(s)
		if err != nil {
			if len(err.Error()) > 512 { // 64 bytes quoted (at most 4 each) plus the texts
				t.Fatalf("error for %d input bytes is %d bytes long", len(s), len(err.Error()))
			}
			return
		}
		if d < 0 {
			t.Fatalf("Parse(%q) = %v, negative", s, d.Std())
		}
		if d.Std() > 3650*24*time.Hour {
			return
		}
		back, err := duration.Parse(d.String())
		if err != nil || back != d {
			t.Fatalf("Parse(%q) = %v; Parse(%q) = %v, %v", s, d.Std(), d.String(), back.Std(), err)
		}
	})
}
