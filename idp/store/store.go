package store

import (
	"context"
	"errors"
	"time"

	"github.com/fedgate/fedgate/apppass"
	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/mfa"
	"github.com/fedgate/fedgate/proxytrust"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrNotFound is returned by lookups of a single record by key that find
	// nothing. The mfa.Store methods report absence through their boolean
	// results instead.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a write collides with an existing record
	// in a way the method cannot resolve, or when the database schema is
	// newer than this binary.
	ErrConflict = errors.New("store: conflict")
	// ErrInvalid is returned, wrapped with the field and the rule it broke,
	// when a key or record violates the limits below. Nothing is written.
	ErrInvalid = errors.New("store: invalid value")
)

// AuditEvent is one sign-in audit record. Events are written to the store,
// not to logs (see conventions G7), so a farm has one audit trail.
type AuditEvent struct {
	// Time of the event; required. Stored in UTC at microsecond precision.
	Time time.Time
	// User is the user name as typed or resolved (UPN).
	User string
	// ClientIP is the client address as established by the web layer.
	ClientIP string
	// RelyingParty is the realm or entity ID the sign-in was for.
	RelyingParty string
	// Protocol is for example "wsfed", "saml2" or "wstrust".
	Protocol string
	// Result is for example "success" or "failure".
	Result string
	// Reason is the typed failure reason (ldapauth.Reason, mfa error).
	Reason string
	// ActivityID correlates the event with log lines and the error page.
	ActivityID string
}

// Auditor records and lists sign-in audit events.
type Auditor interface {
	// RecordAudit appends e. Its strings are recorded best-effort rather
	// than refused, because they may come from an attacker: invalid UTF-8
	// and NUL bytes become U+FFFD and over-long fields are truncated (see
	// the Max…Len constants). A zero Time is an error.
	RecordAudit(ctx context.Context, e AuditEvent) error
	// ListAudit returns up to limit events with Time at or after since,
	// oldest first (ties in insertion order). limit must be between 1 and
	// MaxAuditList.
	ListAudit(ctx context.Context, since time.Time, limit int) ([]AuditEvent, error)
}

// Collector removes expired state.
type Collector interface {
	// GC deletes UseOnce records whose expiry is at or before now,
	// failure counters whose window ended at or before now and proxy-trust
	// enrollments whose ExpiresAt is at or before now. Deleting them
	// changes no observable behaviour of the other methods (an expired
	// enrollment is refused by its ExpiresAt anyway). Audit events,
	// lockout state, issued proxy certificates and revocations are kept
	// (lockout counters do not expire; rows exist only for real directory
	// accounts; the certificate history is a few rows per proxy per month).
	GC(ctx context.Context, now time.Time) error
}

// Store is everything a fedgate node keeps in its database. Implementations
// are safe for concurrent use by many goroutines and by many processes
// sharing one database.
type Store interface {
	mfa.Store
	mfa.RecoveryStore
	lockout.Store
	// proxytrust.Store repeats mfa.Store's UseOnce with the same signature
	// and contract: one method serves both.
	proxytrust.Store
	apppass.Store
	RelyingParties
	Auditor
	Collector
	// Close releases the database handle. The Store must not be used after.
	Close() error
}

// Limits on stored values, enforced identically by every backend.
const (
	MaxKindLen   = 64   // UseOnce kind, failure kind
	MaxKeyLen    = 512  // UseOnce id, failure key, TOTP user ID and account name
	MaxSealedLen = 4096 // TOTPRecord.SealedSecret
	MaxAuditLen  = 1024 // each AuditEvent string (User, Reason, …)
	MaxAuditList = 10000
	// MaxAppPasswordsPerUser is the largest per-user limit CreateAppPassword
	// accepts (apppass.MaxMaxPerUser).
	MaxAppPasswordsPerUser = 50
	// MaxRecoveryCodes is the most recovery code hashes one
	// ReplaceRecoveryCodes call may store; MaxRecoveryHashLen bounds each.
	MaxRecoveryCodes   = 32
	MaxRecoveryHashLen = 64
)
