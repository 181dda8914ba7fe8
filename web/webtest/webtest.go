// Package webtest parses fedgate's HTML pages in tests: forms by id with
// their action and fields, and element text by id. Tests assert on parsed
// pages, not on string searches.
package webtest

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Form is a parsed <form>.
type Form struct {
	ID, Method, Action string
	Fields             url.Values // hidden and visible inputs with their values
}

// Page is a parsed HTML document.
type Page struct{ root *html.Node }

// Parse parses an HTML document.
func Parse(body string) (*Page, error) {
	n, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("webtest: parse HTML: %w", err)
	}
	return &Page{root: n}, nil
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func (p *Page) find(match func(*html.Node) bool) *html.Node {
	var walk func(*html.Node) *html.Node
	walk = func(n *html.Node) *html.Node {
		if match(n) {
			return n
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if f := walk(c); f != nil {
				return f
			}
		}
		return nil
	}
	return walk(p.root)
}

// ByID returns the element with id, or nil.
func (p *Page) ByID(id string) *html.Node {
	return p.find(func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "id") == id })
}

// Has reports whether an element with id exists.
func (p *Page) Has(id string) bool { return p.ByID(id) != nil }

// Text returns the text content of the element with id ("" if absent).
func (p *Page) Text(id string) string {
	n := p.ByID(id)
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// Attr returns attribute name of the element with id.
func (p *Page) Attr(id, name string) string {
	n := p.ByID(id)
	if n == nil {
		return ""
	}
	return attr(n, name)
}

// Form returns the form with id (or the first form when id is "").
func (p *Page) Form(id string) (*Form, error) {
	n := p.find(func(n *html.Node) bool {
		return n.Type == html.ElementNode && n.Data == "form" && (id == "" || attr(n, "id") == id)
	})
	if n == nil {
		return nil, fmt.Errorf("webtest: no form %q", id)
	}
	f := &Form{ID: attr(n, "id"), Method: strings.ToUpper(attr(n, "method")), Action: attr(n, "action"), Fields: url.Values{}}
	var walk func(*html.Node)
	walk = func(c *html.Node) {
		if c.Type == html.ElementNode && c.Data == "input" && attr(c, "name") != "" {
			f.Fields.Add(attr(c, "name"), attr(c, "value"))
		}
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			walk(k)
		}
	}
	walk(n)
	return f, nil
}
