package main

import (
	"strings"
	"testing"
)

func TestRun_RejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown flag", []string{"-nope"}},
		{"bad duration", []string{"-benchtime", "soon"}},
		{"bad integer", []string{"-rounds", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := run(tt.args, &stdout, &stderr); code != 2 {
				t.Errorf("run(%q) = %d, want 2", tt.args, code)
			}
			if stdout.Len() != 0 || stderr.Len() == 0 {
				t.Errorf("stdout %q, stderr %q: want usage on stderr only", stdout.String(), stderr.String())
			}
		})
	}
}
