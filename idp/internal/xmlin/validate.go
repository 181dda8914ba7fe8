package xmlin

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
	xrv "github.com/mattermost/xml-roundtrip-validator"
)

// MaxDepth is the deepest element nesting Validate accepts. SAML protocol
// messages and metadata nest fewer than 12 levels; the limit bounds the
// recursion of every later tree walk.
const MaxDepth = 32

// Validate checks doc without building a tree; see the package
// documentation for what it refuses. It must succeed before doc is
// unmarshalled or signature-checked.
func Validate(doc []byte) error {
	if len(bytes.TrimSpace(doc)) == 0 {
		return fmt.Errorf("xmlin: empty document: %w", ErrMalformed)
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	// No CharsetReader: a non-UTF-8 encoding declaration is an error.
	depth, roots, tokens := 0, 0, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if strings.Contains(err.Error(), "encoding") {
				return fmt.Errorf("xmlin: %w (only UTF-8 is accepted): %w", err, ErrEncoding)
			}
			return fmt.Errorf("xmlin: %w: %w", err, ErrMalformed)
		}
		tokens++
		switch t := tok.(type) {
		case xml.Directive:
			return fmt.Errorf("xmlin: declaration <!%.20s…> found: %w", string(t), ErrDTD)
		case xml.ProcInst:
			if t.Target != "xml" || tokens != 1 {
				return fmt.Errorf("xmlin: processing instruction <?%.20s?> found: %w", t.Target, ErrDTD)
			}
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return fmt.Errorf("xmlin: more than one root element: %w", ErrMalformed)
				}
			}
			depth++
			if depth > MaxDepth {
				return fmt.Errorf("xmlin: elements nest deeper than %d levels: %w", MaxDepth, ErrMalformed)
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) != 0 {
				return fmt.Errorf("xmlin: text outside the root element: %w", ErrMalformed)
			}
		}
	}
	if roots == 0 {
		return fmt.Errorf("xmlin: no root element: %w", ErrMalformed)
	}
	if err := xrv.Validate(bytes.NewReader(doc)); err != nil {
		return fmt.Errorf("xmlin: round-trip validation: %w: %w", err, ErrMalformed)
	}
	return nil
}

// Parse validates doc and returns its tree. It is the only way fedgate's
// SAML code turns inbound bytes into an etree.Document.
func Parse(doc []byte) (*etree.Document, error) {
	if err := Validate(doc); err != nil {
		return nil, err
	}
	d := etree.NewDocument()
	d.ReadSettings = etree.ReadSettings{Permissive: false}
	if err := d.ReadFromBytes(doc); err != nil {
		return nil, fmt.Errorf("xmlin: parse: %w: %w", err, ErrMalformed)
	}
	if d.Root() == nil {
		return nil, fmt.Errorf("xmlin: no root element: %w", ErrMalformed)
	}
	return d, nil
}
