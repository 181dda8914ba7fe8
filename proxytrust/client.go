package proxytrust

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// Client limits.
const (
	// MaxChainResponse bounds the certificate chain a client accepts, in
	// bytes.
	MaxChainResponse = 64 << 10
	// maxErrorText bounds the server message kept in a ServerError.
	maxErrorText = 512
)

// Client is fedgate-proxy's side of the enrollment protocol.
type Client struct {
	// ServerURL is the base URL of a fedgate node as the proxy reaches it,
	// such as "https://fs1.corp.contoso.com". Required; https only.
	ServerURL string
	// HTTPClient sends the requests. Required. Its transport must verify
	// fedgate's server certificate against a pinned CA (the token is a
	// bearer secret) and have a Timeout. For Renew it must present the
	// current proxy certificate.
	HTTPClient *http.Client
	// Now is the clock used to check the returned certificate. Default
	// time.Now.
	Now func() time.Time
}

// Bundle is an issued certificate as returned by the authority.
type Bundle struct {
	// Certificate is the proxy's new client certificate.
	Certificate *x509.Certificate
	// CA is the proxy-trust CA certificate that signed it.
	CA *x509.Certificate
	// ChainPEM is Certificate followed by CA, PEM, as received.
	ChainPEM []byte
}

// ServerError is a refusal from fedgate: the HTTP status and the
// server's one-line public message.
type ServerError struct {
	Status  int
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("proxytrust: fedgate answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Enroll sends csrDER (from NewCSR) with tok to PathEstablishTrust. The
// request body is the CSR and nothing else; the private key never leaves
// the caller.
func (c *Client) Enroll(ctx context.Context, tok Token, csrDER []byte) (Bundle, error) {
	if tok.IsZero() {
		return Bundle{}, fmt.Errorf("%w: empty", ErrInvalidToken)
	}
	return c.post(ctx, PathEstablishTrust, "Bearer "+tok.Reveal(), csrDER)
}

// Renew sends csrDER to PathRenewTrust; HTTPClient must present the
// current certificate.
func (c *Client) Renew(ctx context.Context, csrDER []byte) (Bundle, error) {
	return c.post(ctx, PathRenewTrust, "", csrDER)
}

func (c *Client) endpoint(path string) (string, error) {
	u, err := url.Parse(c.ServerURL)
	if err != nil {
		return "", fmt.Errorf("proxytrust: server URL: %w", err)
	}
	if u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("proxytrust: server URL %q must be https://host[:port] without credentials, query or fragment", c.ServerURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""
	return u.String(), nil
}

func (c *Client) post(ctx context.Context, path, authorization string, csrDER []byte) (Bundle, error) {
	if c.HTTPClient == nil {
		return Bundle{}, errors.New("proxytrust: client has no HTTPClient")
	}
	csr, err := ParseCSR(csrDER)
	if err != nil {
		return Bundle{}, err
	}
	target, err := c.endpoint(path)
	if err != nil {
		return Bundle{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(csrDER))
	if err != nil {
		return Bundle{}, fmt.Errorf("proxytrust: build request: %w", err)
	}
	req.Header.Set("Content-Type", ContentTypeCSR)
	req.Header.Set("Accept", ContentTypeChain)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := c.HTTPClient.Do(req)
	if err != nil {
		// *url.Error names the URL, never the Authorization header.
		return Bundle{}, fmt.Errorf("proxytrust: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxChainResponse+1))
	if err != nil {
		return Bundle{}, fmt.Errorf("proxytrust: read response from %s: %w", target, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Bundle{}, &ServerError{Status: resp.StatusCode, Message: printable(body, maxErrorText)}
	}
	if len(body) > MaxChainResponse {
		return Bundle{}, fmt.Errorf("proxytrust: response from %s is larger than %d bytes", target, MaxChainResponse)
	}
	return c.checkChain(body, csr.PublicKey)
}

// checkChain parses the chain and checks that it is a client certificate
// for pub signed by the included CA and valid now.
func (c *Client) checkChain(chainPEM []byte, pub crypto.PublicKey) (Bundle, error) {
	certs, err := ParseCertificatesPEM(chainPEM)
	if err != nil {
		return Bundle{}, fmt.Errorf("proxytrust: response: %w", err)
	}
	if len(certs) != 2 {
		return Bundle{}, fmt.Errorf("proxytrust: response holds %d certificates; want the proxy certificate and the CA", len(certs))
	}
	leaf, ca := certs[0], certs[1]
	if k, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(pub) {
		return Bundle{}, errors.New("proxytrust: the issued certificate is not for this proxy's key")
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return Bundle{}, fmt.Errorf("proxytrust: the issued certificate does not verify (is this machine's clock right?): %w", err)
	}
	return Bundle{Certificate: leaf, CA: ca, ChainPEM: chainPEM}, nil
}

// printable returns at most n bytes of b as one line of printable text.
func printable(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	s := strings.Map(func(r rune) rune {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, string(b))
	return strings.TrimSpace(s)
}
