package pgtest

import (
	"os/exec"
	"testing"
)

func TestWithSearchPath(t *testing.T) {
	tests := []struct{ name, dsn, want string }{
		{"key value", "host=h user=u", "host=h user=u search_path=t_1"},
		{"url", "postgres://u:p@h:5432/db?sslmode=disable", "postgres://u:p@h:5432/db?search_path=t_1&sslmode=disable"},
		{"postgresql url", "postgresql://h/db", "postgresql://h/db?search_path=t_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withSearchPath(tt.dsn, "t_1")
			if err != nil || got != tt.want {
				t.Errorf("withSearchPath = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	for _, s := range []string{"plain", "with space", "it's", `a"b$c\d`, "-o -c x=1 -k /tmp/x y"} {
		out, err := exec.Command("/bin/sh", "-c", "printf %s "+shellQuote(s)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != s {
			t.Errorf("sh saw %q, want %q", out, s)
		}
	}
}
