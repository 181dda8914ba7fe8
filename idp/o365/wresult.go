package o365

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/beevik/etree"
	xrv "github.com/mattermost/xml-roundtrip-validator"
)

// maxDepth bounds element nesting in a wresult. The §2 token is 7 levels
// deep; 32 leaves room for extensions and keeps recursion shallow.
const maxDepth = 32

// parseWResult applies the input limits and returns the parsed document.
// Order matters: size, then a token scan (DTD, PIs, depth, duplicate
// attributes, a single root), then the round-trip validator, and only then
// the etree parse that later feeds the signature check.
func parseWResult(b []byte) (*etree.Document, error) {
	if len(b) == 0 {
		return nil, reject(nil, "wresult is empty")
	}
	if len(b) > MaxWResultSize {
		return nil, reject(nil, "wresult is %d bytes; the limit is %d", len(b), MaxWResultSize)
	}
	if err := scanTokens(b, "wresult"); err != nil {
		return nil, err
	}
	if err := xrv.Validate(bytes.NewReader(b)); err != nil {
		return nil, reject(err, "wresult does not survive an XML round trip (namespace or attribute smuggling)")
	}
	doc := etree.NewDocument()
	doc.ReadSettings.MaxDepth = maxDepth
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, reject(err, "wresult is not well-formed XML")
	}
	if doc.Root() == nil {
		return nil, reject(nil, "wresult has no root element")
	}
	return doc, nil
}

// scanTokens rejects what the etree parse would silently accept: DTDs and
// other <!…> declarations, processing instructions other than a leading XML
// declaration, non-UTF-8 encodings, duplicate attributes, nesting deeper than
// maxDepth, and anything but whitespace or comments around a single root.
func scanTokens(b []byte, what string) error {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true // CharsetReader stays nil: a declared non-UTF-8 encoding is an error.
	depth, roots, first := 0, 0, true
	for ; ; first = false {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return reject(err, "%s is not well-formed XML", what)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return reject(nil, "%s contains a DTD or other <!…> declaration; DTDs are not allowed", what)
		case xml.ProcInst:
			if t.Target != "xml" || !first {
				return reject(nil, "%s contains the processing instruction <?%s?>; only a leading XML declaration is allowed", what, clip(t.Target))
			}
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return reject(nil, "%s has more than one root element", what)
				}
			}
			depth++
			if depth > maxDepth {
				return reject(nil, "%s nests elements deeper than %d levels", what, maxDepth)
			}
			if err := uniqueAttrs(t); err != nil {
				return err
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return reject(nil, "%s has text outside its root element", what)
			}
		}
	}
	if roots == 0 {
		return reject(nil, "%s has no root element", what)
	}
	return nil
}

func uniqueAttrs(t xml.StartElement) error {
	for i := range t.Attr {
		for j := i + 1; j < len(t.Attr); j++ {
			if t.Attr[i].Name == t.Attr[j].Name {
				return reject(nil, "element <%s> repeats the attribute %s", clip(t.Name.Local), clip(t.Attr[i].Name.Local))
			}
		}
	}
	return nil
}

// clip shortens an untrusted name for a Reason.
func clip(s string) string {
	if len(s) > 64 {
		return q(s)
	}
	return s
}

// locateAssertion finds the only SAML 1.1 assertion at
// RequestSecurityTokenResponse/RequestedSecurityToken/Assertion and refuses
// any document that holds a second assertion or signature anywhere, or has
// the signature somewhere other than as a direct child of the assertion.
// Those are the shapes XML signature-wrapping attacks need: a verifier that
// checks one element while the claims are read from another.
func locateAssertion(doc *etree.Document) (*etree.Element, error) {
	root := doc.Root()
	rstr := root
	switch {
	case is(root, nsTrust2005, "RequestSecurityTokenResponse"), is(root, nsTrust13, "RequestSecurityTokenResponse"):
	case is(root, nsTrust13, "RequestSecurityTokenResponseCollection"):
		kids := root.ChildElements()
		if len(kids) != 1 || !is(kids[0], nsTrust13, "RequestSecurityTokenResponse") {
			return nil, reject(nil, "RequestSecurityTokenResponseCollection must hold exactly one RequestSecurityTokenResponse")
		}
		rstr = kids[0]
	default:
		return nil, reject(nil, "wresult root is {%s}%s; want a WS-Trust RequestSecurityTokenResponse", clip(root.NamespaceURI()), clip(root.Tag))
	}

	var assertions, signatures int
	walk(root, func(el *etree.Element) {
		switch el.Tag {
		case "Assertion", "EncryptedAssertion":
			assertions++
		case "Signature":
			signatures++
		}
	})
	if assertions != 1 {
		return nil, reject(nil, "wresult holds %d assertions; exactly one is allowed", assertions)
	}
	if signatures == 0 {
		return nil, reject(nil, "the assertion is not signed: wresult holds no ds:Signature")
	}
	if signatures != 1 {
		return nil, reject(nil, "wresult holds %d Signature elements; exactly one, enveloped in the assertion, is allowed", signatures)
	}

	if err := checkAppliesTo(rstr); err != nil {
		return nil, err
	}
	rsts := childrenNamed(rstr, rstr.NamespaceURI(), "RequestedSecurityToken")
	if len(rsts) != 1 {
		return nil, reject(nil, "RequestSecurityTokenResponse holds %d RequestedSecurityToken elements; want 1", len(rsts))
	}
	kids := rsts[0].ChildElements()
	if len(kids) != 1 || !is(kids[0], nsSAML1, "Assertion") {
		return nil, reject(nil, "RequestedSecurityToken must hold exactly one SAML 1.1 saml:Assertion (%s)", nsSAML1)
	}
	assertion := kids[0]
	if len(childrenNamed(assertion, nsDSig, "Signature")) != 1 {
		return nil, reject(nil, "the assertion is not signed: its ds:Signature must be a direct child of saml:Assertion")
	}
	return assertion, nil
}

// checkAppliesTo enforces MS-MWBF §2.2.4.1: an AppliesTo in the RSTR is
// optional but, when present, must name the audience.
func checkAppliesTo(rstr *etree.Element) error {
	for _, at := range childrenNamed(rstr, nsPolicy, "AppliesTo") {
		for _, epr := range childrenNamed(at, nsAddressing, "EndpointReference") {
			for _, addr := range childrenNamed(epr, nsAddressing, "Address") {
				v, err := text(addr)
				if err != nil || v != Realm {
					return reject(err, "RSTR AppliesTo is %s; it must duplicate the audience %s", q(v), Realm)
				}
			}
		}
	}
	return nil
}

// walk visits el and its descendants, depth first. Depth is bounded by
// maxDepth at parse time.
func walk(el *etree.Element, visit func(*etree.Element)) {
	visit(el)
	for _, c := range el.ChildElements() {
		walk(c, visit)
	}
}

func is(el *etree.Element, ns, local string) bool {
	return el.Tag == local && el.NamespaceURI() == ns
}

func childrenNamed(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if is(c, ns, local) {
			out = append(out, c)
		}
	}
	return out
}

// attr returns an unqualified attribute. etree's SelectAttr would also match
// a prefixed attribute of the same local name.
func attr(el *etree.Element, name string) (string, bool) {
	for _, a := range el.Attr {
		if a.Space == "" && a.Key == name {
			return a.Value, true
		}
	}
	return "", false
}

// text returns the character data of a leaf element. Child elements,
// comments and processing instructions are refused rather than skipped, so a
// value can never be split by markup the signature did not cover.
func text(el *etree.Element) (string, error) {
	var b bytes.Buffer
	for _, t := range el.Child {
		cd, ok := t.(*etree.CharData)
		if !ok {
			return "", fmt.Errorf("<%s> must contain only text", el.Tag)
		}
		b.WriteString(cd.Data)
	}
	return b.String(), nil
}
