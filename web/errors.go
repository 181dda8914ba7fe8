package web

import (
	"errors"
	"log/slog"
	"net/http"
)

// Error is what a handler returns when the request cannot be served. Public
// is shown to the user on the branded error page next to the activity ID;
// Err is logged with the same activity ID and never shown.
type Error struct {
	Status int
	Public string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Public + ": " + e.Err.Error()
	}
	return e.Public
}

func (e *Error) Unwrap() error { return e.Err }

func badRequest(public string, err error) *Error {
	return &Error{Status: http.StatusBadRequest, Public: public, Err: err}
}

// handlerFunc is the inner handler shape: it writes a response or returns
// an error for wrap to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap adapts a handlerFunc, rendering any returned error as the branded
// error page and logging it with the activity ID.
func (s *Server) wrap(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Status: http.StatusInternalServerError, Public: "The service could not complete your request.", Err: err}
		}
		s.renderError(w, r, e)
	}
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, e *Error) {
	id := ActivityID(r.Context())
	level := slog.LevelInfo
	if e.Status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(r.Context(), level, "request failed",
		slog.String("activity_id", id), slog.Int("status", e.Status),
		slog.String("path", r.URL.Path), slog.String("public", e.Public), slog.Any("error", e.Err))
	if err := s.pages.render(w, e.Status, "error", pageData{Brand: s.brand, ActivityID: id, Error: e.Public}); err != nil {
		s.log.ErrorContext(r.Context(), "render error page", slog.String("activity_id", id), slog.Any("error", err))
	}
}
