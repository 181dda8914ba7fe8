package apppass

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// Service creates, lists, revokes and verifies app passwords. It is safe
// for concurrent use and keeps no state of its own.
type Service struct {
	store Store
	cfg   Config
	// onHash, when set (tests only), is called once per argon2 evaluation.
	onHash func()
}

// New validates cfg, applies its defaults and returns a Service.
func New(cfg Config) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Service{store: cfg.Store, cfg: cfg}, nil
}

// MaxPerUser reports the configured per-user limit.
func (s *Service) MaxPerUser() int { return s.cfg.MaxPerUser }

// Info describes an app password without its hash.
type Info struct {
	ID         string
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
}

// Created is a new app password. Password is shown to the user once and
// never stored; LogValue and Format redact it.
type Created struct {
	Info
	Password string
}

// LogValue keeps the password out of logs.
func (c Created) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Format keeps the password out of fmt output whatever the verb.
func (c Created) Format(f fmt.State, _ rune) { fmt.Fprint(f, "apppass.Created{[redacted]}") }

// Create makes a new app password named name for userID. It returns
// ErrLimit when the user already has MaxPerUser, and ErrInvalid for an
// empty or over-long name (control characters are refused too).
func (s *Service) Create(ctx context.Context, userID, name string) (*Created, error) {
	if err := checkUserID(userID); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if err := checkName(name); err != nil {
		return nil, err
	}
	password, err := generate(s.cfg.Rand)
	if err != nil {
		return nil, err
	}
	canon, _ := normalize(password)
	hash, err := hashPassword(canon, s.cfg.Params, s.cfg.Rand)
	if err != nil {
		return nil, err
	}
	var id [16]byte
	if _, err := io.ReadFull(s.cfg.Rand, id[:]); err != nil {
		return nil, fmt.Errorf("apppass: read random: %w", err)
	}
	rec := Record{ID: hex.EncodeToString(id[:]), UserID: userID, Name: name, Hash: hash, CreatedAt: s.cfg.Now().UTC()}
	created, err := s.store.CreateAppPassword(ctx, rec, s.cfg.MaxPerUser)
	if err != nil {
		return nil, fmt.Errorf("apppass: save: %w", err)
	}
	if !created {
		return nil, ErrLimit
	}
	s.cfg.Logger.InfoContext(ctx, "app password created", slog.String("app_password_id", rec.ID))
	return &Created{Info: info(rec), Password: password}, nil
}

// List returns the app passwords of userID, oldest first.
func (s *Service) List(ctx context.Context, userID string) ([]Info, error) {
	if err := checkUserID(userID); err != nil {
		return nil, err
	}
	recs, err := s.store.ListAppPasswords(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("apppass: list: %w", err)
	}
	out := make([]Info, len(recs))
	for i, r := range recs {
		out[i] = info(r)
	}
	return out, nil
}

// Revoke deletes app password id of userID. It reports whether it existed;
// an ID of another user's password is treated as absent.
func (s *Service) Revoke(ctx context.Context, userID, id string) (bool, error) {
	if err := checkUserID(userID); err != nil {
		return false, err
	}
	if len(id) != 32 {
		return false, nil
	}
	deleted, err := s.store.DeleteAppPassword(ctx, userID, id)
	if err != nil {
		return false, fmt.Errorf("apppass: revoke: %w", err)
	}
	if deleted {
		s.cfg.Logger.InfoContext(ctx, "app password revoked", slog.String("app_password_id", id))
	}
	return deleted, nil
}

// Verify reports whether password is one of userID's app passwords and,
// when it is, records the use. It satisfies wstrust.AppPasswordVerifier.
//
// A well-formed candidate is hashed against every stored hash of the user
// (no early exit at a match, at most MaxPerUser of them) and, when the user
// has none, against a dummy hash, so the time taken does not tell which
// password matched or whether the user has any. Input that cannot be an app
// password (wrong length or characters) is refused without hashing. A
// stored hash that cannot be parsed is skipped and logged by record ID.
func (s *Service) Verify(ctx context.Context, userID, password string) (bool, error) {
	if checkUserID(userID) != nil {
		return false, nil
	}
	canon, ok := normalize(password)
	if !ok {
		return false, nil
	}
	recs, err := s.store.ListAppPasswords(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("apppass: list: %w", err)
	}
	if len(recs) > s.cfg.MaxPerUser {
		recs = recs[:s.cfg.MaxPerUser]
	}
	if len(recs) == 0 {
		dummy := &phc{params: s.cfg.Params, salt: make([]byte, saltLen), hash: make([]byte, keyLen)}
		s.hashed()
		dummy.matches(canon)
		return false, nil
	}
	match := -1
	for i, r := range recs {
		h, err := parseHash(r.Hash)
		if err != nil {
			s.cfg.Logger.ErrorContext(ctx, "app password hash unreadable", slog.String("app_password_id", r.ID), slog.Any("error", err))
			continue
		}
		s.hashed()
		if h.matches(canon) && match < 0 {
			match = i
		}
	}
	if match < 0 {
		return false, nil
	}
	rec := recs[match]
	updated, err := s.store.TouchAppPassword(ctx, userID, rec.ID, s.cfg.Now().UTC())
	if err != nil {
		return false, fmt.Errorf("apppass: record use: %w", err)
	}
	if !updated {
		// Revoked between the list and now: the revocation wins.
		return false, nil
	}
	s.cfg.Logger.InfoContext(ctx, "app password accepted", slog.String("app_password_id", rec.ID))
	return true, nil
}

func (s *Service) hashed() {
	if s.onHash != nil {
		s.onHash()
	}
}

func info(r Record) Info {
	return Info{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt}
}

func checkUserID(v string) error {
	if v == "" || len(v) > MaxUserIDLen || !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("%w: user ID must be 1 to %d bytes of UTF-8 without NUL", ErrInvalid, MaxUserIDLen)
	}
	return nil
}

func checkName(v string) error {
	if v == "" || len(v) > MaxNameLen || !utf8.ValidString(v) {
		return fmt.Errorf("%w: name must be 1 to %d bytes of text", ErrInvalid, MaxNameLen)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: name contains a control character", ErrInvalid)
		}
	}
	return nil
}
