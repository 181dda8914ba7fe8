package proxytrust_test

import (
	"errors"
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
)

// TestCheckCertificate_RepeatedChecksStillSeeTimeAndRevocation: the chain
// of a certificate is verified once per Verifier, but every later check
// still refuses it outside its validity period and once it is revoked, as
// the first check would have.
func TestCheckCertificate_RepeatedChecksStillSeeTimeAndRevocation(t *testing.T) {
	f := newFixture(t, func(c *proxytrust.Config) { c.RevocationCacheTTL = -1 })
	_, _, csr := newCSR(t)
	cert, err := f.a.Enroll(t.Context(), f.issueToken(t, "wap1"), csr)
	if err != nil {
		t.Fatal(err)
	}
	v := f.a.Verifier()
	for range 3 {
		peer, err := v.CheckCertificate(t.Context(), cert)
		if err != nil || peer.Name != "wap1" {
			t.Fatalf("check of a valid certificate: %+v, %v", peer, err)
		}
	}

	// Past its NotAfter: refused although it verified before.
	f.clock.Advance(cert.NotAfter.Sub(f.clock.Now()) + time.Second)
	if _, err := v.CheckCertificate(t.Context(), cert); !errors.Is(err, proxytrust.ErrUntrusted) {
		t.Fatalf("expired certificate: %v, want ErrUntrusted", err)
	}
	f.clock.Advance(-(cert.NotAfter.Sub(cert.NotBefore) / 2))
	if _, err := v.CheckCertificate(t.Context(), cert); err != nil {
		t.Fatalf("back within validity: %v", err)
	}

	// Revoked: refused on the next check.
	if _, err := f.a.Revoke(t.Context(), proxytrust.SerialString(cert.SerialNumber)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.CheckCertificate(t.Context(), cert); !errors.Is(err, proxytrust.ErrRevoked) {
		t.Fatalf("revoked certificate: %v, want ErrRevoked", err)
	}
}
