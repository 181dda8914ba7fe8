package wstrust

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Structural limits of a request envelope. An MSAL request has about 25
// elements nested at most 6 deep; an IDCRL one about 40.
const (
	// MaxDepth bounds element nesting.
	MaxDepth = 16
	// MaxElements bounds the number of elements in one envelope.
	MaxElements = 256
	// maxAttrs bounds the attributes (namespace declarations included) of
	// one element.
	maxAttrs = 32
)

// node is one element of a parsed envelope. Names are namespace-resolved
// (Space holds the URI). text is the concatenation of the character data
// directly inside the element, exactly as decoded (no trimming: passwords
// may begin or end with spaces).
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*node
	text     []byte
}

func (n *node) is(space, local string) bool { return n.name.Space == space && n.name.Local == local }

// attr returns the value of the attribute {space}local.
func (n *node) attr(space, local string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// childrenNamed returns the direct children called {space}local.
func (n *node) childrenNamed(space, local string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.is(space, local) {
			out = append(out, c)
		}
	}
	return out
}

// xmlError is input that is not acceptable XML. public says why without
// quoting the input and may be shown to the client; cause (a decoder
// error, which may quote the input) is only logged.
type xmlError struct {
	public string
	cause  error
}

func (e *xmlError) Error() string {
	if e.cause != nil {
		return "xml: " + e.public + ": " + e.cause.Error()
	}
	return "xml: " + e.public
}

func (e *xmlError) Unwrap() error { return e.cause }

func xmlErr(public string) error { return &xmlError{public: public} }

// buildTree decodes b into a node tree. It rejects DTDs and every other
// <!…> declaration (no entity expansion can happen), processing
// instructions other than a leading XML declaration, declared encodings
// other than UTF-8, duplicate attributes, more than one root, text outside
// the root, and input over MaxDepth or MaxElements. It is the only XML
// decoding of untrusted input in this package.
func buildTree(b []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true // and CharsetReader stays nil: non-UTF-8 encodings fail
	var (
		root     *node
		stack    []*node
		elements int
	)
	for first := true; ; first = false {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &xmlError{public: "it is not well-formed XML (or declares an encoding other than UTF-8)", cause: err}
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, xmlErr("a DTD or other <!…> declaration is not allowed")
		case xml.ProcInst:
			if t.Target != "xml" || !first {
				return nil, xmlErr("processing instructions other than the XML declaration are not allowed")
			}
		case xml.StartElement:
			elements++
			if elements > MaxElements {
				return nil, xmlErr(fmt.Sprintf("it has more than %d elements", MaxElements))
			}
			if len(stack) >= MaxDepth {
				return nil, xmlErr(fmt.Sprintf("it nests elements deeper than %d levels", MaxDepth))
			}
			if len(t.Attr) > maxAttrs {
				return nil, xmlErr(fmt.Sprintf("an element has more than %d attributes", maxAttrs))
			}
			if err := uniqueAttrs(t.Attr); err != nil {
				return nil, err
			}
			n := &node{name: t.Name, attrs: t.Attr}
			if len(stack) == 0 {
				if root != nil {
					return nil, xmlErr("it has more than one root element")
				}
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1] // the strict decoder guarantees balance
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, xmlErr("it has text outside the root element")
				}
				continue
			}
			top := stack[len(stack)-1]
			top.text = append(top.text, t...)
		}
	}
	if root == nil {
		return nil, xmlErr("it has no root element")
	}
	return root, nil
}

func uniqueAttrs(attrs []xml.Attr) error {
	for i := range attrs {
		for j := i + 1; j < len(attrs); j++ {
			if attrs[i].Name == attrs[j].Name {
				return xmlErr("an element repeats an attribute")
			}
		}
	}
	return nil
}

// trimmedText returns the element's text without surrounding XML
// whitespace, for values that are URIs, names or instants.
func (n *node) trimmedText() string { return strings.Trim(string(n.text), " \t\r\n") }
