package logging

import (
	"context"
	"log/slog"
)

// Attribute keys set by the web middleware and added to every record by
// ContextHandler.
const (
	// KeyActivityID is the per-request ID shown on error pages (AD FS
	// "Activity ID"), so a user's screenshot leads to the log lines.
	KeyActivityID = "activity_id"
	// KeyRequestID is the per-request correlation ID.
	KeyRequestID = "request_id"
	// KeyClientIP is the client address as established by the middleware
	// (forwarded only by a trusted proxy).
	KeyClientIP = "client_ip"
)

// ctxKey is the context key of the attribute list.
type ctxKey struct{}

// WithAttrs returns a context carrying attrs in addition to those already
// in ctx; an attribute replaces an earlier one with the same key. The
// stored list is never modified afterwards, so contexts derived from the
// same parent are independent and safe for concurrent use.
func WithAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	if len(attrs) == 0 {
		return ctx
	}
	old := attrsFrom(ctx)
	merged := make([]slog.Attr, 0, len(old)+len(attrs))
	for _, a := range old {
		if !hasKey(attrs, a.Key) {
			merged = append(merged, a)
		}
	}
	for i, a := range attrs {
		if !hasKey(attrs[i+1:], a.Key) {
			merged = append(merged, a)
		}
	}
	return context.WithValue(ctx, ctxKey{}, merged)
}

// WithActivityID returns a context whose records carry activity_id = id.
func WithActivityID(ctx context.Context, id string) context.Context {
	return WithAttrs(ctx, slog.String(KeyActivityID, id))
}

// ActivityID returns the activity_id stored in ctx, or "".
func ActivityID(ctx context.Context) string {
	for _, a := range attrsFrom(ctx) {
		if a.Key == KeyActivityID && a.Value.Kind() == slog.KindString {
			return a.Value.String()
		}
	}
	return ""
}

func attrsFrom(ctx context.Context) []slog.Attr {
	if ctx == nil {
		return nil
	}
	attrs, _ := ctx.Value(ctxKey{}).([]slog.Attr)
	return attrs
}

func hasKey(attrs []slog.Attr, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// ContextHandler adds the attributes stored in the record's context (see
// WithAttrs) to every record, then passes it to the next handler. Like
// any record attribute, they land inside the groups opened with
// WithGroup. Use the …Context logging methods, or nothing is added.
type ContextHandler struct {
	next slog.Handler
}

var _ slog.Handler = (*ContextHandler)(nil)

// NewContextHandler wraps next.
func NewContextHandler(next slog.Handler) *ContextHandler {
	return &ContextHandler{next: next}
}

// Enabled reports whether the next handler handles level.
func (h *ContextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the context attributes to a copy of r and passes it on.
func (h *ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if attrs := attrsFrom(ctx); len(attrs) > 0 {
		r = r.Clone()
		r.AddAttrs(attrs...)
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a ContextHandler around next.WithAttrs(attrs).
func (h *ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &ContextHandler{next: h.next.WithAttrs(attrs)}
}

// WithGroup returns a ContextHandler around next.WithGroup(name).
func (h *ContextHandler) WithGroup(name string) slog.Handler {
	return &ContextHandler{next: h.next.WithGroup(name)}
}
