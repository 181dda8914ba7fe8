package storetest

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
)

const (
	tokenHashA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	tokenHashB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	wap1       = "wap1.contoso.com"
)

func enrollment(hash string, expires time.Time) proxytrust.Enrollment {
	return proxytrust.Enrollment{TokenHash: hash, ProxyName: wap1, CreatedAt: t0(), ExpiresAt: expires}
}

func issued(serial string, at time.Time, renewal bool) proxytrust.Issued {
	return proxytrust.Issued{
		Serial: serial, ProxyName: wap1, NotBefore: at.Add(-5 * time.Minute), NotAfter: at.Add(30 * 24 * time.Hour),
		IssuedAt: at, Renewal: renewal,
	}
}

func createEnrollment(t *testing.T, s proxytrust.Store, e proxytrust.Enrollment) {
	t.Helper()
	if err := s.CreateEnrollment(t.Context(), e); err != nil {
		t.Fatalf("CreateEnrollment(%s): %v", e.TokenHash, err)
	}
}

func getEnrollment(t *testing.T, s proxytrust.Store, hash string) (proxytrust.Enrollment, bool) {
	t.Helper()
	e, ok, err := s.GetEnrollment(t.Context(), hash)
	if err != nil {
		t.Fatalf("GetEnrollment(%s): %v", hash, err)
	}
	return e, ok
}

func recordIssued(t *testing.T, s proxytrust.Store, c proxytrust.Issued) {
	t.Helper()
	if err := s.RecordIssued(t.Context(), c); err != nil {
		t.Fatalf("RecordIssued(%s): %v", c.Serial, err)
	}
}

func revoke(t *testing.T, s proxytrust.Store, serial string, at time.Time) {
	t.Helper()
	if err := s.Revoke(t.Context(), serial, at); err != nil {
		t.Fatalf("Revoke(%s): %v", serial, err)
	}
}

func isRevoked(t *testing.T, s proxytrust.Store, serial string) bool {
	t.Helper()
	r, err := s.IsRevoked(t.Context(), serial)
	if err != nil {
		t.Fatalf("IsRevoked(%s): %v", serial, err)
	}
	return r
}

func listIssued(t *testing.T, s proxytrust.Store) []proxytrust.Issued {
	t.Helper()
	list, err := s.ListIssued(t.Context())
	if err != nil {
		t.Fatalf("ListIssued: %v", err)
	}
	return list
}

func equalIssued(t *testing.T, got, want proxytrust.Issued) {
	t.Helper()
	if got.Serial != want.Serial || got.ProxyName != want.ProxyName || got.Renewal != want.Renewal ||
		!got.NotBefore.Equal(stored(want.NotBefore)) || !got.NotAfter.Equal(stored(want.NotAfter)) ||
		!got.IssuedAt.Equal(stored(want.IssuedAt)) || !got.RevokedAt.Equal(want.RevokedAt) {
		t.Fatalf("issued = %+v, want %+v", got, want)
	}
	for _, tm := range []time.Time{got.NotBefore, got.NotAfter, got.IssuedAt, got.RevokedAt} {
		if tm.Location() != time.UTC {
			t.Fatalf("time %v is not in UTC", tm)
		}
	}
}

// newAuthority runs the real proxytrust.Authority on s, with a fresh CA.
func newAuthority(t *testing.T, s proxytrust.Store, ca *proxytrust.CA) *proxytrust.Authority {
	t.Helper()
	a, err := proxytrust.New(proxytrust.Config{CA: ca, Store: s, RevocationCacheTTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// csrFor returns a parsed CSR for a fresh proxy key.
func csrFor(t *testing.T) *x509.CertificateRequest {
	t.Helper()
	key, err := proxytrust.NewKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := proxytrust.NewCSR(key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := proxytrust.ParseCSR(der)
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

func proxyTrustTests() []test {
	return []test{
		{"EnrollmentRoundTripInUTC", func(t *testing.T, s store.Store) {
			want := enrollment(tokenHashA, t0().Add(time.Hour))
			createEnrollment(t, s, want)
			got, ok := getEnrollment(t, s, tokenHashA)
			if !ok || got.TokenHash != want.TokenHash || got.ProxyName != want.ProxyName ||
				!got.CreatedAt.Equal(stored(want.CreatedAt)) || !got.ExpiresAt.Equal(stored(want.ExpiresAt)) ||
				got.CreatedAt.Location() != time.UTC || got.ExpiresAt.Location() != time.UTC {
				t.Fatalf("GetEnrollment = %+v, %v; want %+v", got, ok, want)
			}
		}},
		{"UnknownEnrollmentIsNotFound", func(t *testing.T, s store.Store) {
			if _, ok := getEnrollment(t, s, tokenHashB); ok {
				t.Fatal("unknown token hash found")
			}
		}},
		{"DuplicateEnrollmentIsConflict", func(t *testing.T, s store.Store) {
			createEnrollment(t, s, enrollment(tokenHashA, future()))
			other := enrollment(tokenHashA, future())
			other.ProxyName = "wap2.contoso.com"
			if err := s.CreateEnrollment(t.Context(), other); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("duplicate CreateEnrollment err = %v, want ErrConflict", err)
			}
			if got, _ := getEnrollment(t, s, tokenHashA); got.ProxyName != wap1 {
				t.Fatalf("duplicate overwrote the first enrollment: %+v", got)
			}
		}},
		{"IssuedListedInOrderWithRevocations", func(t *testing.T, s store.Store) {
			first, second, third := issued("0b", t0(), false), issued("0a", t0().Add(time.Hour), true), issued("0c", t0().Add(time.Hour), false)
			for _, c := range []proxytrust.Issued{third, first, second} {
				recordIssued(t, s, c)
			}
			revokedAt := t0().Add(2 * time.Hour)
			revoke(t, s, "0a", revokedAt)
			list := listIssued(t, s)
			if len(list) != 3 {
				t.Fatalf("ListIssued returned %d certificates, want 3", len(list))
			}
			second.RevokedAt = stored(revokedAt)
			// IssuedAt, then Serial.
			equalIssued(t, list[0], first)
			equalIssued(t, list[1], second)
			equalIssued(t, list[2], third)
		}},
		{"DuplicateSerialIsConflict", func(t *testing.T, s store.Store) {
			recordIssued(t, s, issued("0a", t0(), false))
			if err := s.RecordIssued(t.Context(), issued("0a", t0().Add(time.Hour), true)); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("duplicate RecordIssued err = %v, want ErrConflict", err)
			}
			if list := listIssued(t, s); len(list) != 1 || list[0].Renewal {
				t.Fatalf("duplicate overwrote the record: %+v", list)
			}
		}},
		{"RecordIssuedIgnoresRevokedAt", func(t *testing.T, s store.Store) {
			c := issued("0a", t0(), false)
			c.RevokedAt = t0()
			recordIssued(t, s, c)
			if isRevoked(t, s, "0a") || !listIssued(t, s)[0].RevokedAt.IsZero() {
				t.Fatal("RecordIssued revoked the certificate")
			}
		}},
		{"RevokeKeepsTheFirstTime", func(t *testing.T, s store.Store) {
			recordIssued(t, s, issued("0a", t0(), false))
			if isRevoked(t, s, "0a") {
				t.Fatal("revoked before Revoke")
			}
			revoke(t, s, "0a", t0())
			revoke(t, s, "0a", t0().Add(time.Hour))
			if !isRevoked(t, s, "0a") {
				t.Fatal("not revoked after Revoke")
			}
			if got := listIssued(t, s)[0].RevokedAt; !got.Equal(stored(t0())) {
				t.Fatalf("RevokedAt = %v, want the first revocation %v", got, stored(t0()))
			}
		}},
		{"UnknownSerialIsNotRevokedUntilRevoked", func(t *testing.T, s store.Store) {
			if isRevoked(t, s, "ff") {
				t.Fatal("unknown serial revoked")
			}
			revoke(t, s, "ff", t0())
			if !isRevoked(t, s, "ff") {
				t.Fatal("revocation of a serial without an issuance record lost")
			}
			if list := listIssued(t, s); len(list) != 0 {
				t.Fatalf("a revocation alone appears in ListIssued: %+v", list)
			}
		}},
		{"InvalidValuesAreRefused", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			long := strings.Repeat("a", store.MaxKeyLen+1)
			errs := map[string]error{
				"empty token hash": s.CreateEnrollment(ctx, enrollment("", future())),
				"long token hash":  s.CreateEnrollment(ctx, enrollment(long, future())),
				"NUL proxy name":   s.CreateEnrollment(ctx, proxytrust.Enrollment{TokenHash: tokenHashA, ProxyName: "a\x00b", ExpiresAt: future()}),
				"year 10000":       s.CreateEnrollment(ctx, enrollment(tokenHashA, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))),
				"empty serial":     s.RecordIssued(ctx, issued("", t0(), false)),
				"bad UTF-8 name":   s.RecordIssued(ctx, proxytrust.Issued{Serial: "0a", ProxyName: "\xff"}),
				"revoke empty":     s.Revoke(ctx, "", t0()),
			}
			_, _, errs["get empty"] = s.GetEnrollment(ctx, "")
			_, errs["is revoked empty"] = s.IsRevoked(ctx, "")
			for name, err := range errs {
				if !errors.Is(err, store.ErrInvalid) {
					t.Errorf("%s: err = %v, want ErrInvalid", name, err)
				}
			}
			if _, ok := getEnrollment(t, s, tokenHashA); ok {
				t.Error("an invalid enrollment was written")
			}
			if list := listIssued(t, s); len(list) != 0 {
				t.Errorf("an invalid certificate was written: %+v", list)
			}
		}},
		{"GCRemovesExpiredEnrollmentsOnly", func(t *testing.T, s store.Store) {
			expiry := time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)
			createEnrollment(t, s, enrollment(tokenHashA, expiry))
			createEnrollment(t, s, enrollment(tokenHashB, future()))
			recordIssued(t, s, issued("0a", past(), false))
			revoke(t, s, "0a", past())
			gc(t, s, expiry.Add(-time.Microsecond))
			if _, ok := getEnrollment(t, s, tokenHashA); !ok {
				t.Fatal("GC removed an enrollment before it expired")
			}
			gc(t, s, expiry)
			if _, ok := getEnrollment(t, s, tokenHashA); ok {
				t.Fatal("GC kept an expired enrollment")
			}
			if _, ok := getEnrollment(t, s, tokenHashB); !ok {
				t.Fatal("GC removed an unexpired enrollment")
			}
			if !isRevoked(t, s, "0a") || len(listIssued(t, s)) != 1 {
				t.Fatal("GC removed issued certificates or revocations")
			}
		}},
		{"AuthorityEnrollsOnceAndRevokes", func(t *testing.T, s store.Store) {
			ctx := t.Context()
			a := newAuthority(t, s, proxytrusttest.NewCA(t, time.Now()))
			tok, _, err := a.IssueToken(ctx, wap1, 0)
			if err != nil {
				t.Fatal(err)
			}
			cert, err := a.Enroll(ctx, tok, csrFor(t))
			if err != nil {
				t.Fatalf("Enroll: %v", err)
			}
			if _, err := a.Enroll(ctx, tok, csrFor(t)); !errors.Is(err, proxytrust.ErrInvalidToken) {
				t.Fatalf("second Enroll with one token: %v, want ErrInvalidToken", err)
			}
			peer, err := a.Verifier().CheckCertificate(ctx, cert)
			if err != nil || peer.Name != wap1 {
				t.Fatalf("CheckCertificate = %+v, %v", peer, err)
			}
			if _, err := a.RevokeProxy(ctx, wap1); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Verifier().CheckCertificate(ctx, cert); !errors.Is(err, proxytrust.ErrRevoked) {
				t.Fatalf("CheckCertificate after revocation: %v, want ErrRevoked", err)
			}
		}},
	}
}

// concurrentEnrollments enrolls n times at once with one token, spread
// over authorities on different stores, and returns how many succeeded.
func concurrentEnrollments(t *testing.T, n int, tok proxytrust.Token, auths ...*proxytrust.Authority) int {
	t.Helper()
	csrs := make([]*x509.CertificateRequest, n)
	for i := range csrs {
		csrs[i] = csrFor(t)
	}
	return wins(race(t, "Enroll", n, func(i int) (bool, error) {
		_, err := auths[i%len(auths)].Enroll(context.WithoutCancel(t.Context()), tok, csrs[i])
		if errors.Is(err, proxytrust.ErrInvalidToken) {
			return false, nil
		}
		return err == nil, err
	}))
}
