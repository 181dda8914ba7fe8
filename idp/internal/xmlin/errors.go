package xmlin

import "errors"

// Sentinel errors; every error from this package wraps exactly one.
var (
	// ErrTooLarge: the input, or its inflated form, exceeds the caller's limit.
	ErrTooLarge = errors.New("xmlin: input too large")
	// ErrInflate: the Redirect-binding payload is not valid raw DEFLATE.
	ErrInflate = errors.New("xmlin: invalid DEFLATE data")
	// ErrEncoding: the payload is not valid base64, or the document is not UTF-8.
	ErrEncoding = errors.New("xmlin: invalid encoding")
	// ErrDTD: the document has a DOCTYPE/ENTITY declaration or a processing
	// instruction other than the XML declaration.
	ErrDTD = errors.New("xmlin: DTDs and processing instructions are not accepted")
	// ErrMalformed: the document is not well-formed, is empty, has several
	// roots, nests too deeply or fails the round-trip validator.
	ErrMalformed = errors.New("xmlin: malformed XML")
)
