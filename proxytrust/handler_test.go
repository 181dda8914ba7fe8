package proxytrust_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/fedgate/fedgate/proxytrust"
)

// recorder keeps a copy of every request body and Authorization header.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
	auth   []string
}

func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.bodies = append(rec.bodies, body)
		rec.auth = append(rec.auth, r.Header.Get("Authorization"))
		rec.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}

func TestEstablishTrust_RequestCarriesOnlyTheCSR(t *testing.T) {
	f := newFixture(t, nil)
	rec := &recorder{}
	srv, roots := tlsServer(t, f.a.Verifier(), rec.wrap(f.a.Handler()))
	tok := f.issueToken(t, "wap1.contoso.com")
	_, der, _ := newCSR(t)
	c := &proxytrust.Client{ServerURL: srv.URL, HTTPClient: client(roots, nil), Now: f.clock.Now}
	b, err := c.Enroll(t.Context(), tok, der)
	if err != nil {
		t.Fatal(err)
	}
	if b.Certificate.DNSNames[0] != "wap1.contoso.com" || !b.CA.Equal(f.ca.Certificate()) {
		t.Fatalf("bundle: %v / %s", b.Certificate.DNSNames, b.CA.Subject)
	}
	if len(rec.bodies) != 1 || !bytes.Equal(rec.bodies[0], der) {
		t.Fatal("the request body is not exactly the CSR")
	}
	if bytes.Contains(rec.bodies[0], []byte("PRIVATE")) {
		t.Fatal("the request body mentions a private key")
	}
	if _, err := x509.ParseCertificateRequest(rec.bodies[0]); err != nil {
		t.Fatalf("body does not parse as a CSR: %v", err)
	}
	if rec.auth[0] != "Bearer "+tok.Reveal() {
		t.Fatal("the token did not travel in the Authorization header")
	}
}

func TestEstablishTrust_Refusals(t *testing.T) {
	f := newFixture(t, nil)
	srv, roots := tlsServer(t, f.a.Verifier(), f.a.Handler())
	used := f.issueToken(t, "wap1")
	_, der, csr := newCSR(t)
	if _, err := f.a.Enroll(t.Context(), used, csr); err != nil {
		t.Fatal(err)
	}
	fresh := f.issueToken(t, "wap2")
	tests := []struct {
		name        string
		contentType string
		auth        string
		body        []byte
		extra       map[string]string
		want        int
	}{
		{"no token", proxytrust.ContentTypeCSR, "", der, nil, http.StatusUnauthorized},
		{"malformed token", proxytrust.ContentTypeCSR, "Bearer nope", der, nil, http.StatusUnauthorized},
		{"used token", proxytrust.ContentTypeCSR, "Bearer " + used.Reveal(), der, nil, http.StatusUnauthorized},
		{"wrong content type", "application/json", "Bearer " + fresh.Reveal(), der, nil, http.StatusUnsupportedMediaType},
		{"garbage CSR", proxytrust.ContentTypeCSR, "Bearer " + fresh.Reveal(), []byte("garbage"), nil, http.StatusBadRequest},
		{"body over the limit", proxytrust.ContentTypeCSR, "Bearer " + fresh.Reveal(), make([]byte, proxytrust.MaxCSRBytes+1), nil, http.StatusRequestEntityTooLarge},
		{"relayed from the internet", proxytrust.ContentTypeCSR, "Bearer " + fresh.Reveal(), der, map[string]string{proxytrust.HeaderForwardedClientIP: "203.0.113.7"}, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+proxytrust.PathEstablishTrust, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.contentType)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			for k, v := range tt.extra {
				req.Header.Set(k, v)
			}
			resp, err := client(roots, nil).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tt.want)
			}
			if bytes.Contains(body, []byte("BEGIN CERTIFICATE")) {
				t.Fatal("a refusal carried a certificate")
			}
		})
	}
	// The refusals above consumed nothing: the fresh token still works.
	if _, err := f.a.Enroll(t.Context(), fresh, csr); err != nil {
		t.Fatalf("fresh token after refusals: %v", err)
	}
}

func TestRenewTrust_OverMutualTLS(t *testing.T) {
	f := newFixture(t, nil)
	srv, roots := tlsServer(t, f.a.Verifier(), f.a.Handler())
	key, der, _ := newCSR(t)
	enroller := &proxytrust.Client{ServerURL: srv.URL, HTTPClient: client(roots, nil), Now: f.clock.Now}
	b, err := enroller.Enroll(t.Context(), f.issueToken(t, "wap1.contoso.com"), der)
	if err != nil {
		t.Fatal(err)
	}
	current := tls.Certificate{Certificate: [][]byte{b.Certificate.Raw}, PrivateKey: key, Leaf: b.Certificate}
	renewer := &proxytrust.Client{ServerURL: srv.URL, HTTPClient: client(roots, &current), Now: f.clock.Now}
	_, der2, _ := newCSR(t)

	var se *proxytrust.ServerError
	if _, err := renewer.Renew(t.Context(), der2); !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Fatalf("early renewal: %v, want 403", err)
	}
	if _, err := enroller.Renew(t.Context(), der2); !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		t.Fatalf("renewal without a certificate: %v, want 401", err)
	}
	f.clock.Advance(proxytrust.RenewAt(b.Certificate).Sub(f.clock.Now()))
	nb, err := renewer.Renew(t.Context(), der2)
	if err != nil {
		t.Fatalf("renewal: %v", err)
	}
	if nb.Certificate.DNSNames[0] != "wap1.contoso.com" || !nb.Certificate.NotAfter.After(b.Certificate.NotAfter) {
		t.Fatalf("renewed certificate %v until %s", nb.Certificate.DNSNames, nb.Certificate.NotAfter)
	}
	if _, err := f.a.Revoke(t.Context(), proxytrust.SerialString(b.Certificate.SerialNumber)); err != nil {
		t.Fatal(err)
	}
	if _, err := renewer.Renew(t.Context(), der2); !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Fatalf("renewal with a revoked certificate: %v, want 403", err)
	}
}

func TestClient_RefusesPlainHTTPServer(t *testing.T) {
	_, der, _ := newCSR(t)
	tok := mustToken(t)
	c := &proxytrust.Client{ServerURL: "http://fs.example", HTTPClient: http.DefaultClient}
	if _, err := c.Enroll(t.Context(), tok, der); err == nil || !strings.Contains(err.Error(), "https") {
		t.Fatalf("err = %v, want an https error", err)
	}
}

func mustToken(t *testing.T) proxytrust.Token {
	t.Helper()
	tok, err := proxytrust.ParseToken("fgpt1." + strings.Repeat("A", 43))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
