package token

import (
	"bytes"

	"github.com/beevik/etree"
)

// writeSettings escape exactly what canonical XML escapes: "&", "<" and ">"
// in text (plus CR as &#xD;), and "&", "<", `"`, TAB, LF and CR in attribute
// values. A parser therefore reads back the very characters that were
// signed; etree's default settings would emit a raw LF in an attribute,
// which every parser normalises to a space, breaking the digest.
var writeSettings = etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}

// WriteElement serialises a signed element (no indentation, no XML
// declaration) so that its signature still verifies after parsing. Use it
// for every signed element fedgate emits.
func WriteElement(buf *bytes.Buffer, el *etree.Element) {
	ws := writeSettings
	el.WriteTo(buf, &ws)
}

// MarshalElement is WriteElement into a new byte slice.
func MarshalElement(el *etree.Element) []byte {
	var buf bytes.Buffer
	buf.Grow(4096)
	WriteElement(&buf, el)
	return buf.Bytes()
}
