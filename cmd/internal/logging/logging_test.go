package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/logging"
)

// decodeLines parses JSON log output, one record per line.
func decodeLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		recs = append(recs, m)
	}
	return recs
}

// lookup follows a dotted path through nested JSON objects.
func lookup(t *testing.T, rec map[string]any, path string) (any, bool) {
	t.Helper()
	var cur any = rec
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func TestNew(t *testing.T) {
	tests := []struct {
		name, level, format string
		wantErr             string
		logs, skips         slog.Level
	}{
		{name: "json info", level: "info", format: "json", logs: slog.LevelInfo, skips: slog.LevelDebug},
		{name: "text debug", level: "debug", format: "text", logs: slog.LevelDebug, skips: slog.LevelDebug - 4},
		{name: "warn", level: "warn", format: "json", logs: slog.LevelWarn, skips: slog.LevelInfo},
		{name: "error", level: "error", format: "text", logs: slog.LevelError, skips: slog.LevelWarn},
		{name: "bad level", level: "trace", format: "json", wantErr: `logging: level "trace" is not supported; use debug, info, warn or error`},
		{name: "upper-case level", level: "INFO", format: "json", wantErr: "is not supported"},
		{name: "bad format", level: "info", format: "xml", wantErr: `logging: format "xml" is not supported; use json or text`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := logging.New(&buf, tt.level, tt.format)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New() = %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New() = %v", err)
			}
			ctx := t.Context()
			log.Log(ctx, tt.skips, "hidden")
			log.Log(ctx, tt.logs, "shown", "password", "hunter2")
			out := buf.String()
			if strings.Contains(out, "hidden") || !strings.Contains(out, "shown") {
				t.Fatalf("level filtering wrong:\n%s", out)
			}
			if strings.Contains(out, "hunter2") || !strings.Contains(out, "[redacted]") {
				t.Fatalf("New() does not redact:\n%s", out)
			}
			if isJSON := strings.HasPrefix(out, "{"); isJSON != (tt.format == "json") {
				t.Fatalf("format %s produced:\n%s", tt.format, out)
			}
		})
	}
	if _, err := logging.New(nil, "info", "json"); err == nil {
		t.Fatal("New(nil writer) = nil error")
	}
}

func TestContextHandler_AddsContextAttributes(t *testing.T) {
	var buf bytes.Buffer
	log, err := logging.New(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	parent := logging.WithAttrs(t.Context(), slog.String(logging.KeyRequestID, "req-1"), slog.String(logging.KeyClientIP, "192.0.2.7"))
	a := logging.WithActivityID(parent, "act-a")
	b := logging.WithActivityID(parent, "act-b")
	b = logging.WithAttrs(b, slog.String(logging.KeyActivityID, "act-b2"), slog.String("token", "tok-secret"))

	log.InfoContext(a, "first")
	log.InfoContext(b, "second")
	log.Info("no context")
	log.WithGroup("g").InfoContext(a, "grouped")

	recs := decodeLines(t, &buf)
	if len(recs) != 4 {
		t.Fatalf("got %d records, want 4:\n%s", len(recs), buf.String())
	}
	checks := []struct {
		rec        int
		path, want string
	}{
		{0, "request_id", "req-1"},
		{0, "client_ip", "192.0.2.7"},
		{0, "activity_id", "act-a"},
		{1, "activity_id", "act-b2"},
		{1, "request_id", "req-1"},
		{1, "token", "[redacted]"},
		{3, "g.activity_id", "act-a"},
	}
	for _, c := range checks {
		t.Run(c.path, func(t *testing.T) {
			got, ok := lookup(t, recs[c.rec], c.path)
			if !ok || got != c.want {
				t.Errorf("record %d %s = %v, want %q", c.rec, c.path, got, c.want)
			}
		})
	}
	if _, ok := recs[2]["request_id"]; ok {
		t.Error("record logged without context carries request_id")
	}
	if got := strings.Count(buf.String(), "activity_id"); got != 3 {
		t.Errorf("activity_id appears %d times, want 3 (replaced, not repeated)", got)
	}
	if logging.ActivityID(a) != "act-a" || logging.ActivityID(b) != "act-b2" || logging.ActivityID(parent) != "" {
		t.Errorf("ActivityID = %q, %q, %q", logging.ActivityID(a), logging.ActivityID(b), logging.ActivityID(parent))
	}
	if logging.ActivityID(context.Background()) != "" {
		t.Error("ActivityID(Background) is not empty")
	}
}

func TestContextHandler_DelegatesEnabled(t *testing.T) {
	h := logging.NewContextHandler(slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if h.Enabled(t.Context(), slog.LevelInfo) || !h.Enabled(t.Context(), slog.LevelError) {
		t.Fatal("Enabled does not follow the next handler")
	}
}
