package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/beevik/etree"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/internal/boundedfile"
)

// Limits of `fedgate rp add --metadata`.
const (
	// defaultMetadataTimeout bounds the whole metadata download,
	// redirects included.
	defaultMetadataTimeout = 30 * time.Second
	// maxMetadataRedirects bounds same-host redirects.
	maxMetadataRedirects = 5
	// maxSourceLen bounds the --metadata argument.
	maxSourceLen = 2048
)

// metadataFetcher reads SP metadata from a file or from an https URL.
type metadataFetcher struct {
	// roots verifies the metadata server's TLS certificate; nil: the
	// system roots.
	roots *x509.CertPool
	// timeout bounds the whole download. Default defaultMetadataTimeout.
	timeout time.Duration
}

// fetch returns the metadata named by src and, when src is a URL, the URL
// it was read from. A src starting with https:// (or http:// for a
// loopback host, for labs) is downloaded; anything else is a file path.
// Either way at most samlp.MaxMetadataBytes are accepted.
func (f metadataFetcher) fetch(ctx context.Context, src string) (doc []byte, fromURL string, err error) {
	if src == "" || len(src) > maxSourceLen {
		return nil, "", fmt.Errorf("--metadata: want a file or an https:// URL of at most %d bytes", maxSourceLen)
	}
	scheme, _, isURL := strings.Cut(src, "://")
	if !isURL {
		doc, err := boundedfile.Read(src, samlp.MaxMetadataBytes)
		return doc, "", err
	}
	if !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "http") {
		return nil, "", fmt.Errorf("--metadata %q: scheme %q is not supported; use https:// or a file path", src, scheme)
	}
	u, err := checkMetadataURL(src)
	if err != nil {
		return nil, "", err
	}
	doc, err = f.get(ctx, u)
	if err != nil {
		return nil, "", err
	}
	return doc, u.String(), nil
}

// checkMetadataURL accepts an absolute https URL, or http for a loopback
// host, without credentials.
func checkMetadataURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--metadata: %q is not a URL: %w", raw, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("--metadata %q: the URL has no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("--metadata %q: credentials in the URL are not supported", u.Redacted())
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("--metadata %q: plain http is allowed only for loopback hosts; use https:// so the metadata cannot be changed in transit", raw)
	}
	return u, nil
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// client returns an HTTP client that verifies TLS against f.roots, gives up
// after f.timeout and follows at most maxMetadataRedirects redirects, all
// to the host of the original URL and never down to plain http.
func (f metadataFetcher) client(orig *url.URL) *http.Client {
	timeout := f.timeout
	if timeout <= 0 {
		timeout = defaultMetadataTimeout
	}
	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		TLSClientConfig:        &tls.Config{RootCAs: f.roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxMetadataRedirects {
				return fmt.Errorf("more than %d redirects", maxMetadataRedirects)
			}
			if !strings.EqualFold(req.URL.Hostname(), orig.Hostname()) {
				return fmt.Errorf("redirected to another host (%s); fetch the metadata from that URL directly if you trust it", req.URL.Redacted())
			}
			if req.URL.Scheme != "https" && (orig.Scheme == "https" || req.URL.Scheme != "http" || !loopbackHost(req.URL.Hostname())) {
				return fmt.Errorf("redirected to %s, which is not https", req.URL.Redacted())
			}
			return nil
		},
	}
}

// get downloads u, refusing any status but 200 and any body larger than
// samlp.MaxMetadataBytes.
func (f metadataFetcher) get(ctx context.Context, u *url.URL) ([]byte, error) {
	c := f.client(u)
	defer c.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("--metadata %s: %w", u.Redacted(), err)
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("--metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("--metadata %s: the server answered %s, want 200 OK", u.Redacted(), resp.Status)
	}
	if resp.ContentLength > samlp.MaxMetadataBytes {
		return nil, fmt.Errorf("--metadata %s: the document is %d bytes; at most %d are accepted", u.Redacted(), resp.ContentLength, samlp.MaxMetadataBytes)
	}
	doc, err := io.ReadAll(io.LimitReader(resp.Body, samlp.MaxMetadataBytes+1))
	if err != nil {
		return nil, fmt.Errorf("--metadata %s: read: %w", u.Redacted(), err)
	}
	if len(doc) > samlp.MaxMetadataBytes {
		return nil, fmt.Errorf("--metadata %s: the document is larger than %d bytes", u.Redacted(), samlp.MaxMetadataBytes)
	}
	return doc, nil
}

// loadRoots reads the PEM CA certificates of --metadata-ca; "" means the
// system roots (nil).
func loadRoots(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	pem, err := boundedfile.Read(path, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("--metadata-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--metadata-ca: %s holds no PEM certificate", path)
	}
	return pool, nil
}

const nsMetadata = "urn:oasis:names:tc:SAML:2.0:metadata"

// defaultPartyName is the name `rp add` gives a party imported from doc
// (already accepted by samlp.ParseSPMetadata): the English, else the
// first, md:OrganizationDisplayName made plain text, else the entity ID.
func defaultPartyName(doc []byte, entityID string) string {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(doc); err != nil || d.Root() == nil {
		return entityID
	}
	var names []*etree.Element
	for _, org := range d.Root().ChildElements() {
		if org.Tag != "Organization" || org.NamespaceURI() != nsMetadata {
			continue
		}
		for _, n := range org.ChildElements() {
			if n.Tag == "OrganizationDisplayName" && n.NamespaceURI() == nsMetadata {
				names = append(names, n)
			}
		}
	}
	var chosen string
	for _, n := range names {
		name := plainName(n.Text())
		if name == "" {
			continue
		}
		if chosen == "" {
			chosen = name
		}
		if lang := n.SelectAttrValue("xml:lang", ""); strings.EqualFold(lang, "en") || strings.HasPrefix(strings.ToLower(lang), "en-") {
			return name
		}
	}
	if chosen != "" {
		return chosen
	}
	return entityID
}

// plainName collapses whitespace, drops runes that are not printable (or
// are bidirectional controls) and cuts the result to rp.MaxNameBytes on a
// rune boundary.
func plainName(s string) string {
	var b strings.Builder
	for _, field := range strings.Fields(s) {
		space := b.Len() > 0
		for _, r := range field {
			if !unicode.IsPrint(r) || unicode.Is(unicode.Bidi_Control, r) || r == unicode.ReplacementChar {
				continue
			}
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
		if b.Len() > rp.MaxNameBytes {
			break
		}
	}
	out := b.String()
	if len(out) > rp.MaxNameBytes {
		cut := rp.MaxNameBytes
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut]
	}
	return strings.TrimSpace(out)
}
