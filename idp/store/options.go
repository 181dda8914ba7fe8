package store

import (
	"log/slog"
	"time"
)

// Options are the settings shared by the backends' Open functions.
type Options struct {
	// Now is the clock that judges UseOnce expiry. Default time.Now. It must
	// agree with the clock of the services using the store (mfa.Config.Now),
	// or replay records expire early or late by the difference.
	Now func() time.Time
	// Logger receives operational events (migrations, permission warnings).
	// Default: discard.
	Logger *slog.Logger
}

// Option sets one field of Options.
type Option func(*Options)

// WithNow sets the store clock; see Options.Now.
func WithNow(now func() time.Time) Option { return func(o *Options) { o.Now = now } }

// WithLogger sets the logger; see Options.Logger.
func WithLogger(l *slog.Logger) Option { return func(o *Options) { o.Logger = l } }

// Apply returns Options with opts applied over the defaults. Backends call it
// from Open.
func Apply(opts ...Option) Options {
	o := Options{Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
