package proxytrust

import (
	"context"
	"time"
)

// UseOnceKind is the kind under which [Authority] consumes enrollment
// tokens with Store.UseOnce (id: the token hash).
const UseOnceKind = "proxytrust_enroll"

// Enrollment is an issued, not necessarily used, enrollment token as
// stored. The token itself is never stored.
type Enrollment struct {
	// TokenHash is [Token.Hash] of the token: 64 lower-case hex digits;
	// primary key.
	TokenHash string
	// ProxyName is the DNS name the certificate will be issued for; the
	// enrolling proxy cannot choose another.
	ProxyName string
	// CreatedAt is when the token was issued (UTC).
	CreatedAt time.Time
	// ExpiresAt is the first instant at which the token is refused (UTC).
	ExpiresAt time.Time
}

// Issued is one client certificate issued by the proxy-trust CA.
type Issued struct {
	// Serial is the certificate serial in the form of [SerialString];
	// primary key.
	Serial string
	// ProxyName is the DNS name in the certificate.
	ProxyName string
	// NotBefore and NotAfter are the certificate's validity (UTC).
	NotBefore, NotAfter time.Time
	// IssuedAt is when the authority signed it (UTC).
	IssuedAt time.Time
	// Renewal is true when the certificate was issued by RenewTrust rather
	// than by enrollment.
	Renewal bool
	// RevokedAt is when the serial was revoked; zero when it is not. Set by
	// ListIssued from the revocation records, ignored by RecordIssued.
	RevokedAt time.Time
}

// RevocationChecker is what [Verifier] needs: a revocation lookup by
// serial. It is called on requests that present a proxy certificate
// (results are cached for VerifierConfig.CacheTTL).
type RevocationChecker interface {
	// IsRevoked reports whether serial (as [SerialString] formats it) has
	// been revoked. An unknown serial is not revoked. An error means the
	// answer is unknown; the caller fails closed.
	IsRevoked(ctx context.Context, serial string) (bool, error)
}

// Store is the state the proxy-trust authority keeps. Every fedgate node of
// a farm must use the same store, or a token issued on one node cannot be
// used on another and a revocation on one node is not seen by the others.
// idp/store implements it; proxytrusttest.Store is an in-memory version
// for tests. All methods are safe for concurrent use. Times are stored in
// UTC; sub-second precision may be truncated to microseconds.
type Store interface {
	RevocationChecker

	// CreateEnrollment stores e. A second enrollment with the same
	// TokenHash is an error (it cannot happen with random tokens).
	CreateEnrollment(ctx context.Context, e Enrollment) error

	// GetEnrollment returns the enrollment stored under tokenHash;
	// ok=false (nil error) when there is none. Expired enrollments may be
	// returned until garbage-collected; the caller checks ExpiresAt.
	GetEnrollment(ctx context.Context, tokenHash string) (e Enrollment, ok bool, err error)

	// UseOnce atomically records (kind, id) until the instant until and
	// reports whether this call was the first for the unexpired pair; the
	// exact contract of mfa.Store.UseOnce (one INSERT … ON CONFLICT, never
	// a lookup followed by an insert). Tokens are consumed with kind
	// UseOnceKind and id the token hash.
	UseOnce(ctx context.Context, kind, id string, until time.Time) (first bool, err error)

	// RecordIssued stores c (RevokedAt is ignored). A duplicate serial is
	// an error.
	RecordIssued(ctx context.Context, c Issued) error

	// ListIssued returns every issued certificate, with RevokedAt set for
	// revoked serials, ordered by IssuedAt then Serial.
	ListIssued(ctx context.Context) ([]Issued, error)

	// Revoke records that serial is revoked as of at. Revoking a serial
	// again keeps the first time and is not an error. Revocations are
	// never deleted by garbage collection before the certificate's
	// NotAfter has passed.
	Revoke(ctx context.Context, serial string, at time.Time) error
}
