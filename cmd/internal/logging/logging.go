package logging

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// Levels and formats accepted by New; they match the log section of the
// configuration file.
const (
	LevelDebug = "debug"
	LevelInfo  = "info"
	LevelWarn  = "warn"
	LevelError = "error"

	FormatJSON = "json"
	FormatText = "text"
)

// New returns a logger writing to w at the given level ("debug", "info",
// "warn" or "error") in the given format ("json" or "text"). Records pass
// through ContextHandler and then RedactHandler with the default deny list
// before the standard handler, so context attributes are added and
// credential-named attributes are redacted.
func New(w io.Writer, level, format string) (*slog.Logger, error) {
	if w == nil {
		return nil, errors.New("logging: no output writer")
	}
	lvl, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var base slog.Handler
	switch format {
	case FormatJSON:
		base = slog.NewJSONHandler(w, opts)
	case FormatText:
		base = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("logging: format %q is not supported; use json or text", format)
	}
	return slog.New(NewContextHandler(NewRedactHandler(base))), nil
}

// ParseLevel maps "debug", "info", "warn" and "error" to slog levels.
func ParseLevel(level string) (slog.Level, error) {
	switch level {
	case LevelDebug:
		return slog.LevelDebug, nil
	case LevelInfo:
		return slog.LevelInfo, nil
	case LevelWarn:
		return slog.LevelWarn, nil
	case LevelError:
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("logging: level %q is not supported; use debug, info, warn or error", level)
}
