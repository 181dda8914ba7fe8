package apppass

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Defaults and limits.
const (
	// DefaultMaxPerUser is the default number of app passwords a user may
	// hold. Verify hashes against all of them, so this also bounds its cost.
	DefaultMaxPerUser = 10
	// MaxMaxPerUser is the largest MaxPerUser accepted.
	MaxMaxPerUser = 50
	// MaxNameLen bounds the device name, in bytes.
	MaxNameLen = 64
	// MaxUserIDLen bounds user IDs, in bytes (the store's key limit).
	MaxUserIDLen = 512
)

// Config configures a Service.
type Config struct {
	// Store keeps the records. Required.
	Store Store
	// Params of new hashes. Default DefaultParams. Lower values make
	// stolen hashes cheaper to attack; the passwords' ~119 bits of
	// entropy still make them infeasible to guess.
	Params Params
	// MaxPerUser is how many app passwords one user may hold. Default
	// DefaultMaxPerUser, at most MaxMaxPerUser.
	MaxPerUser int
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Rand is the source of passwords, salts and IDs. Default
	// crypto/rand.Reader.
	Rand io.Reader
	// Logger receives record IDs and outcomes, never passwords. Default:
	// discard.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("Store is required"))
	}
	if c.Params == (Params{}) {
		c.Params = DefaultParams
	}
	if err := c.Params.check(); err != nil {
		errs = append(errs, fmt.Errorf("Params: %w", err))
	}
	switch {
	case c.MaxPerUser == 0:
		c.MaxPerUser = DefaultMaxPerUser
	case c.MaxPerUser < 0 || c.MaxPerUser > MaxMaxPerUser:
		errs = append(errs, fmt.Errorf("MaxPerUser %d outside 1..%d", c.MaxPerUser, MaxMaxPerUser))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("apppass: %w", errors.Join(errs...))
	}
	return c, nil
}
