package ldapauth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// oidStartTLS names the StartTLS extended operation (RFC 4511 section 4.14.1).
const oidStartTLS = "1.3.6.1.4.1.1466.20037"

// maxStartTLSResponse bounds the extended response read before TLS is up,
// when the peer is not yet authenticated. AD's answer is about 30 bytes.
const maxStartTLSResponse = 16 << 10

// startTLS runs the StartTLS extended operation on raw, a fresh TCP
// connection to a DC, and then the TLS handshake, all before go-ldap sees
// the connection, so nothing else can be sent in clear text. Doing it here
// rather than with go-ldap's Conn.StartTLS bounds the exchange by ctx and
// keeps TLS errors such as *tls.CertificateVerificationError in the error
// chain (go-ldap formats them with %v).
func startTLS(ctx context.Context, raw net.Conn, cfg *tls.Config) (*tls.Conn, error) {
	if dl, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	// Cancellation interrupts blocked reads and writes.
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	req := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(1), "MessageID"))
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationExtendedRequest, nil, "Start TLS")
	op.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, oidStartTLS, "requestName"))
	req.AppendChild(op)
	if _, err := raw.Write(req.Bytes()); err != nil {
		return nil, ctxErr(ctx, fmt.Errorf("send request: %w", err))
	}

	if err := readStartTLSResponse(raw); err != nil {
		return nil, ctxErr(ctx, err)
	}

	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, ctxErr(ctx, fmt.Errorf("tls handshake: %w", err))
	}
	if err := raw.SetDeadline(time.Time{}); err != nil {
		return nil, fmt.Errorf("clear deadline: %w", err)
	}
	return tc, nil
}

// readStartTLSResponse reads one LDAP message of at most
// maxStartTLSResponse bytes from r and accepts only an ExtendedResponse to
// message 1 with result success. It reads nothing past that message.
func readStartTLSResponse(r io.Reader) error {
	p, err := ber.ReadPacket(io.LimitReader(r, maxStartTLSResponse))
	if err != nil {
		return fmt.Errorf("read response (limit %d bytes): %w", maxStartTLSResponse, err)
	}
	if len(p.Children) < 2 {
		return errors.New("malformed response")
	}
	id, ok := p.Children[0].Value.(int64)
	op := p.Children[1]
	if !ok || id != 1 || op.ClassType != ber.ClassApplication || op.Tag != ldap.ApplicationExtendedResponse {
		return errors.New("unexpected response to the StartTLS request")
	}
	if err := ldap.GetLDAPError(p); err != nil {
		return fmt.Errorf("refused: %w", err)
	}
	return nil
}

// ctxErr puts ctx's error in front when ctx ended, since a deadline or
// cancellation shows up as an I/O error.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w (%w)", cerr, err)
	}
	return err
}
