package xmlin

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Read reads all of r, failing with ErrTooLarge when r holds more than limit
// bytes. It never buffers more than limit+1 bytes.
func Read(r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("xmlin: read: limit %d must be positive", limit)
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("xmlin: read: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("xmlin: document exceeds %d bytes: %w", limit, ErrTooLarge)
	}
	return b, nil
}

// DecodeRedirect decodes an HTTP-Redirect binding message (saml-bindings
// §3.4.4.1): samlRequestParam is the already URL-decoded SAMLRequest (or
// SAMLResponse) value, base64 of raw DEFLATE. The compressed form may hold
// at most maxDeflated bytes and the inflated document at most maxInflated
// bytes; inflation stops as soon as the limit is passed, so a DEFLATE bomb
// costs at most maxInflated+1 bytes of memory. The result is not yet
// validated; pass it to Parse.
func DecodeRedirect(samlRequestParam string, maxDeflated, maxInflated int) ([]byte, error) {
	if maxDeflated <= 0 || maxInflated <= 0 {
		return nil, fmt.Errorf("xmlin: redirect: limits must be positive")
	}
	raw, err := decodeBase64(samlRequestParam, maxDeflated)
	if err != nil {
		return nil, fmt.Errorf("xmlin: redirect: %w", err)
	}
	fr := flate.NewReader(bytes.NewReader(raw))
	defer fr.Close()
	out, err := io.ReadAll(io.LimitReader(fr, int64(maxInflated)+1))
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || isFlateError(err) {
			return nil, fmt.Errorf("xmlin: redirect: inflate: %w: %w", err, ErrInflate)
		}
		return nil, fmt.Errorf("xmlin: redirect: inflate: %w", err)
	}
	if len(out) > maxInflated {
		return nil, fmt.Errorf("xmlin: redirect: inflated message exceeds %d bytes (possible DEFLATE bomb): %w", maxInflated, ErrTooLarge)
	}
	return out, nil
}

func isFlateError(err error) bool {
	var ce flate.CorruptInputError
	var ie flate.InternalError
	return errors.As(err, &ce) || errors.As(err, &ie)
}

// DecodePOST decodes an HTTP-POST binding message (saml-bindings §3.5.4):
// b64 is the SAMLRequest form value, plain base64 of the XML document,
// which may hold at most max bytes once decoded. Line breaks (some SPs wrap
// at 76 columns) are accepted. The result is not yet validated; pass it to
// Parse.
func DecodePOST(b64 string, max int) ([]byte, error) {
	if max <= 0 {
		return nil, fmt.Errorf("xmlin: post: limit must be positive")
	}
	b, err := decodeBase64(b64, max)
	if err != nil {
		return nil, fmt.Errorf("xmlin: post: %w", err)
	}
	return b, nil
}

// decodeBase64 decodes standard base64, refusing input whose decoded size
// could exceed max before allocating for it.
func decodeBase64(s string, max int) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("empty message: %w", ErrEncoding)
	}
	// Allow for CR/LF line wrapping: 78 encoded bytes per 57 decoded.
	if len(s) > base64.StdEncoding.EncodedLen(max)*78/76+4 {
		return nil, fmt.Errorf("encoded message is %d bytes, more than a %d-byte document needs: %w", len(s), max, ErrTooLarge)
	}
	s = strings.NewReplacer("\r", "", "\n", "").Replace(s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("base64: %w: %w", err, ErrEncoding)
	}
	if len(b) > max {
		return nil, fmt.Errorf("decoded message exceeds %d bytes: %w", max, ErrTooLarge)
	}
	return b, nil
}
