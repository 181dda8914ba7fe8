package proxytrust_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
)

func TestEnroll_IssuesClientCertificateForTheTokenName(t *testing.T) {
	f := newFixture(t, nil)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	// The CSR asks for another name and for server use: both are ignored.
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "evil.example"}, DNSNames: []string{"evil.example"},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := proxytrust.ParseCSR(der)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := f.a.Enroll(t.Context(), f.issueToken(t, "WAP1.contoso.com"), csr)
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.DNSNames) != 1 || cert.DNSNames[0] != "wap1.contoso.com" || cert.Subject.CommonName != "wap1.contoso.com" {
		t.Errorf("names = %v / %q, want only wap1.contoso.com", cert.DNSNames, cert.Subject.CommonName)
	}
	if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("ExtKeyUsage = %v, want clientAuth only", cert.ExtKeyUsage)
	}
	if cert.IsCA || !cert.BasicConstraintsValid {
		t.Error("issued certificate is not an end-entity certificate")
	}
	// X.509 times have one-second resolution.
	if got := cert.NotAfter.Sub(f.clock.Now()); got > proxytrust.DefaultCertLifetime || got <= proxytrust.DefaultCertLifetime-time.Second {
		t.Errorf("lifetime from now = %s, want %s", got, proxytrust.DefaultCertLifetime)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		t.Error("certificate is not for the CSR's key")
	}
	list, err := f.a.List(t.Context())
	if err != nil || len(list) != 1 || list[0].Serial != proxytrust.SerialString(cert.SerialNumber) || list[0].Renewal {
		t.Fatalf("List = %+v, %v; want the one enrollment", list, err)
	}
}

func TestEnroll_TokenIsSingleUseAndExpires(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, f *fixture, tok proxytrust.Token)
		reason  string
	}{
		{"second use", func(t *testing.T, f *fixture, tok proxytrust.Token) {
			_, _, csr := newCSR(t)
			if _, err := f.a.Enroll(t.Context(), tok, csr); err != nil {
				t.Fatal(err)
			}
		}, "token already used"},
		{"expired", func(_ *testing.T, f *fixture, _ proxytrust.Token) {
			f.clock.Advance(proxytrust.DefaultTokenLifetime)
		}, "token expired"},
		{"unknown", nil, "unknown token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			tok := f.issueToken(t, "wap1.contoso.com")
			if tt.prepare != nil {
				tt.prepare(t, f, tok)
			} else {
				tok, _ = proxytrust.NewToken(rand.Reader)
			}
			_, _, csr := newCSR(t)
			_, err := f.a.Enroll(t.Context(), tok, csr)
			if !errors.Is(err, proxytrust.ErrInvalidToken) {
				t.Fatalf("err = %v, want ErrInvalidToken", err)
			}
			if err.Error() != proxytrust.ErrInvalidToken.Error() {
				t.Errorf("caller learns the reason: %q", err)
			}
			if !strings.Contains(f.logs.String(), tt.reason) {
				t.Errorf("log does not record %q", tt.reason)
			}
		})
	}
}

func TestEnroll_JustBeforeExpiryWorks(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.issueToken(t, "wap1.contoso.com")
	f.clock.Advance(proxytrust.DefaultTokenLifetime - time.Second)
	_, _, csr := newCSR(t)
	if _, err := f.a.Enroll(t.Context(), tok, csr); err != nil {
		t.Fatal(err)
	}
}

func TestEnroll_ConcurrentUsesOfOneTokenYieldOneCertificate(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.issueToken(t, "wap1.contoso.com")
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range n {
		_, _, csr := newCSR(t)
		wg.Go(func() {
			if _, err := f.a.Enroll(context.Background(), tok, csr); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d enrollments succeeded with one token, want 1", wins)
	}
}

func TestEnroll_TokenNeverLogged(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.issueToken(t, "wap1.contoso.com")
	_, _, csr := newCSR(t)
	if _, err := f.a.Enroll(t.Context(), tok, csr); err != nil {
		t.Fatal(err)
	}
	_, _ = f.a.Enroll(t.Context(), tok, csr) // refused: logs a reason
	logs := f.logs.String()
	if strings.Contains(logs, tok.Reveal()[6:]) || strings.Contains(logs, tok.Hash()) {
		t.Fatalf("token or its full hash in the log:\n%s", logs)
	}
	if !strings.Contains(logs, tok.Hash()[:12]) {
		t.Error("log lines lack the token_id reference")
	}
}

func TestIssueToken_Validation(t *testing.T) {
	f := newFixture(t, nil)
	if _, _, err := f.a.IssueToken(t.Context(), "not a name", 0); !errors.Is(err, proxytrust.ErrInvalidName) {
		t.Errorf("bad name: %v", err)
	}
	if _, _, err := f.a.IssueToken(t.Context(), "wap1", proxytrust.MaxTokenLifetime+time.Second); err == nil {
		t.Error("over-long lifetime accepted")
	}
	_, e, err := f.a.IssueToken(t.Context(), "wap1", 10*time.Minute)
	if err != nil || e.ExpiresAt.Sub(e.CreatedAt) != 10*time.Minute || len(e.TokenHash) != 64 {
		t.Fatalf("enrollment %+v, %v", e, err)
	}
}

func TestRenew(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		revoke  bool
		want    error
	}{
		{"before half of the lifetime", proxytrust.DefaultCertLifetime/2 - time.Hour, false, proxytrust.ErrTooEarly},
		{"after half of the lifetime", proxytrust.DefaultCertLifetime / 2, false, nil},
		{"at the proxy's renewal point", proxytrust.DefaultCertLifetime * 2 / 3, false, nil},
		{"revoked certificate", proxytrust.DefaultCertLifetime / 2, true, proxytrust.ErrRevoked},
		{"expired certificate", proxytrust.DefaultCertLifetime + time.Hour, false, proxytrust.ErrUntrusted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			_, _, csr := newCSR(t)
			old, err := f.a.Enroll(t.Context(), f.issueToken(t, "wap1.contoso.com"), csr)
			if err != nil {
				t.Fatal(err)
			}
			if tt.revoke {
				if _, err := f.a.Revoke(t.Context(), proxytrust.SerialString(old.SerialNumber)); err != nil {
					t.Fatal(err)
				}
			}
			f.clock.Advance(tt.advance)
			peer, err := f.a.Verifier().CheckCertificate(t.Context(), old)
			if err == nil {
				_, _, csr2 := newCSR(t)
				var cert *x509.Certificate
				cert, err = f.a.Renew(t.Context(), peer, csr2)
				if err == nil {
					if cert.DNSNames[0] != "wap1.contoso.com" || cert.SerialNumber.Cmp(old.SerialNumber) == 0 {
						t.Fatalf("renewed certificate %v / %s", cert.DNSNames, cert.SerialNumber)
					}
					if !cert.NotAfter.After(old.NotAfter) {
						t.Error("renewal did not extend validity")
					}
				}
			}
			if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRenewAt_IsAfterTheAuthorityAcceptsRenewal(t *testing.T) {
	f := newFixture(t, nil)
	_, _, csr := newCSR(t)
	cert, err := f.a.Enroll(t.Context(), f.issueToken(t, "wap1"), csr)
	if err != nil {
		t.Fatal(err)
	}
	at := proxytrust.RenewAt(cert)
	f.clock.Advance(at.Sub(f.clock.Now()))
	peer, err := f.a.Verifier().CheckCertificate(t.Context(), cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Renew(t.Context(), peer, csr); err != nil {
		t.Fatalf("renewal at RenewAt refused: %v", err)
	}
	if !at.Before(cert.NotAfter) {
		t.Fatal("RenewAt is not before expiry")
	}
}

func TestRevokeProxy_RevokesRenewalsToo(t *testing.T) {
	f := newFixture(t, nil)
	ctx := t.Context()
	_, _, csr := newCSR(t)
	first, err := f.a.Enroll(ctx, f.issueToken(t, "wap1.contoso.com"), csr)
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.a.Enroll(ctx, f.issueToken(t, "wap2.contoso.com"), csr)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(proxytrust.DefaultCertLifetime / 2)
	peer, err := f.a.Verifier().CheckCertificate(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	renewed, err := f.a.Renew(ctx, peer, csr)
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := f.a.RevokeProxy(ctx, "WAP1.contoso.com")
	if err != nil || len(revoked) != 2 {
		t.Fatalf("RevokeProxy = %v, %v; want both wap1 certificates", revoked, err)
	}
	for _, c := range []*x509.Certificate{first, renewed} {
		if _, err := f.a.Verifier().CheckCertificate(ctx, c); !errors.Is(err, proxytrust.ErrRevoked) {
			t.Errorf("serial %s: %v, want ErrRevoked", c.SerialNumber, err)
		}
	}
	if _, err := f.a.Verifier().CheckCertificate(ctx, other); err != nil {
		t.Errorf("wap2 affected: %v", err)
	}
	if _, err := f.a.RevokeProxy(ctx, "wap9"); !errors.Is(err, proxytrust.ErrUnknownSerial) {
		t.Errorf("unknown proxy: %v", err)
	}
	if _, err := f.a.Revoke(ctx, "abc"); !errors.Is(err, proxytrust.ErrUnknownSerial) {
		t.Errorf("unknown serial: %v", err)
	}
}

func TestEnroll_StoreFailureIsNotATokenError(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.issueToken(t, "wap1")
	f.store.SetError(errors.New("database down"))
	_, _, csr := newCSR(t)
	_, err := f.a.Enroll(t.Context(), tok, csr)
	if err == nil || errors.Is(err, proxytrust.ErrInvalidToken) {
		t.Fatalf("err = %v, want an infrastructure error", err)
	}
	f.store.SetError(nil)
	if _, err := f.a.Enroll(t.Context(), tok, csr); err != nil {
		t.Fatalf("token burned by a failed lookup: %v", err)
	}
}

func TestNew_ReportsEveryProblem(t *testing.T) {
	_, err := proxytrust.New(proxytrust.Config{CertLifetime: time.Minute, TokenLifetime: time.Second})
	if err == nil {
		t.Fatal("New accepted an empty config")
	}
	for _, want := range []string{"CA is required", "Store is required", "CertLifetime", "TokenLifetime"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}
