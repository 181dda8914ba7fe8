package proxytrust

import (
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// Endpoint paths, named after MS-ADFSPIP's (the wire format is fedgate's
// own; see the package documentation).
const (
	// PathEstablishTrust enrolls a proxy: POST, Authorization: Bearer
	// <token>, body: PKCS#10 CSR.
	PathEstablishTrust = "/adfs/proxy/EstablishTrust"
	// PathRenewTrust renews a proxy certificate: POST over mutual TLS with
	// the current certificate, body: PKCS#10 CSR for a new key.
	PathRenewTrust = "/adfs/proxy/RenewTrust"
)

// Media types of the endpoints.
const (
	// ContentTypeCSR is the request body type: a DER or PEM CSR.
	ContentTypeCSR = "application/pkcs10"
	// ContentTypeChain is the success response: the issued certificate
	// followed by the CA certificate, PEM (RFC 8555 §9.1).
	ContentTypeChain = "application/pem-certificate-chain"
)

// Mount registers the two endpoints on r. They must be served on fedgate's
// TLS listener configured with [Verifier.ServerTLSConfig] and must never be
// published by fedgate-proxy: requests that carry a forwarded client
// address are refused with 404.
//
// Responses: 200 with the chain; 400 malformed CSR; 401 missing or bad
// token (EstablishTrust) or no client certificate (RenewTrust); 403
// untrusted, revoked or not-yet-renewable certificate; 413 body over the
// limit; 415 wrong Content-Type; 503 store unavailable. Error bodies are
// one line of text without internal detail; the detail is logged.
func (a *Authority) Mount(r chi.Router) {
	r.Post(PathEstablishTrust, a.establish)
	r.Post(PathRenewTrust, a.renew)
}

// Handler returns a router serving only the two endpoints (everything else
// 404), for tests and for mounting with http.ServeMux.
func (a *Authority) Handler() http.Handler {
	r := chi.NewRouter()
	a.Mount(r)
	return r
}

func (a *Authority) establish(w http.ResponseWriter, r *http.Request) {
	if forwarded(r) {
		http.NotFound(w, r)
		return
	}
	tok, err := bearerToken(r)
	if err != nil {
		a.fail(w, r, http.StatusUnauthorized, "a valid enrollment token is required (Authorization: Bearer …)", err)
		return
	}
	csr, ok := a.readCSR(w, r)
	if !ok {
		return
	}
	cert, err := a.Enroll(r.Context(), tok, csr)
	switch {
	case err == nil:
		a.writeChain(w, cert)
	case errors.Is(err, ErrInvalidToken):
		a.fail(w, r, http.StatusUnauthorized, "the enrollment token is invalid, expired or already used; issue a new one with `fedgate proxy-trust issue`", err)
	case errors.Is(err, ErrInvalidCSR):
		a.fail(w, r, http.StatusBadRequest, "the certificate request was refused", err)
	default:
		a.fail(w, r, http.StatusServiceUnavailable, "the federation service could not complete the enrollment; try again", err)
	}
}

func (a *Authority) renew(w http.ResponseWriter, r *http.Request) {
	if forwarded(r) {
		http.NotFound(w, r)
		return
	}
	peer, err := a.verifier.Check(r)
	switch {
	case errors.Is(err, ErrNoCertificate):
		a.fail(w, r, http.StatusUnauthorized, "renewal requires the current proxy certificate", err)
		return
	case errors.Is(err, ErrUntrusted), errors.Is(err, ErrRevoked):
		a.fail(w, r, http.StatusForbidden, "this proxy certificate cannot be renewed; enroll again", err)
		return
	case err != nil:
		a.fail(w, r, http.StatusServiceUnavailable, "the federation service could not verify the certificate; try again", err)
		return
	}
	csr, ok := a.readCSR(w, r)
	if !ok {
		return
	}
	cert, err := a.Renew(r.Context(), peer, csr)
	switch {
	case err == nil:
		a.writeChain(w, cert)
	case errors.Is(err, ErrTooEarly):
		a.fail(w, r, http.StatusForbidden, "renewal is accepted only after half of the certificate's lifetime", err)
	case errors.Is(err, ErrInvalidCSR):
		a.fail(w, r, http.StatusBadRequest, "the certificate request was refused", err)
	default:
		a.fail(w, r, http.StatusServiceUnavailable, "the federation service could not complete the renewal; try again", err)
	}
}

// forwarded reports whether r was relayed from the internet by a proxy
// rather than sent by the proxy itself.
func forwarded(r *http.Request) bool {
	return len(r.Header.Values(HeaderForwardedClientIP)) > 0
}

// readCSR checks the content type and reads and parses the bounded body.
func (a *Authority) readCSR(w http.ResponseWriter, r *http.Request) (*x509.CertificateRequest, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != ContentTypeCSR {
		a.fail(w, r, http.StatusUnsupportedMediaType, "send the certificate request as "+ContentTypeCSR, err)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			a.fail(w, r, http.StatusRequestEntityTooLarge, "the certificate request is too large", err)
			return nil, false
		}
		a.fail(w, r, http.StatusBadRequest, "the request body could not be read", err)
		return nil, false
	}
	csr, err := ParseCSR(body)
	if err != nil {
		a.fail(w, r, http.StatusBadRequest, "the certificate request was refused", err)
		return nil, false
	}
	return csr, true
}

// maxAuthorization bounds the Authorization header examined.
const maxAuthorization = MaxTokenInput + len("Bearer ")

func bearerToken(r *http.Request) (Token, error) {
	h := r.Header.Get("Authorization")
	if len(h) > maxAuthorization {
		return Token{}, ErrInvalidToken
	}
	scheme, value, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Token{}, ErrInvalidToken
	}
	return ParseToken(value)
}

func (a *Authority) writeChain(w http.ResponseWriter, cert *x509.Certificate) {
	body := append(CertificatePEM(cert), a.ca.CertificatePEM()...)
	w.Header().Set("Content-Type", ContentTypeChain)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (a *Authority) fail(w http.ResponseWriter, r *http.Request, status int, public string, err error) {
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	remote, _ := RemoteAddr(r)
	a.log.LogAttrs(r.Context(), level, "proxy trust request failed",
		slog.String("path", r.URL.Path), slog.Int("status", status),
		slog.String("remote_ip", remoteText(remote)), slog.Any("error", err))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if status == http.StatusUnauthorized && r.URL.Path == PathEstablishTrust {
		w.Header().Set("WWW-Authenticate", `Bearer realm="fedgate proxy trust"`)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, public+"\n")
}
