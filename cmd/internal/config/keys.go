package config

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/internal/duration"
)

// removedKeyHint returns the migration hint for a YAML path that an
// earlier version of the schema accepted (pomerium removedConfigFields).
func removedKeyHint(path string) (string, bool) {
	switch path {
	case "ldap":
		return "renamed to directory:", true
	case "signing":
		return "renamed to token_signing:", true
	case "directory.url":
		return "replaced by directory.urls, a list of domain controllers", true
	case "directory.password":
		return "renamed to directory.bind_password (or bind_password_file)", true
	case "token_signing.pfx_file", "token_signing.pfx_password":
		return "PFX files are not read; convert one with `openssl pkcs12 -in signing.pfx -nokeys -out signing.crt` and `openssl pkcs12 -in signing.pfx -nocerts -nodes -out signing.key`, then set token_signing.cert_file and key_file (PEM)", true
	case "mfa.secret_key":
		return "renamed to mfa.seal_key (or seal_key_file)", true
	case "relying_parties.office365.require_mfa":
		return "replaced by relying_parties.office365.mfa: always, extranet_only or never (require_mfa: true is mfa: always; false is mfa: never)", true
	}
	return "", false
}

// maxTreeVisits bounds the keys checkTree visits, including those reached
// again through aliases and merge keys, so a crafted document cannot make
// the check quadratic.
const maxTreeVisits = 20000

// treeChecker walks the YAML node tree against the Config type before
// decoding, so that every unknown key, repeated key and ill-typed value is
// reported with its YAML path and line.
type treeChecker struct {
	errs   []error
	visits int
}

var (
	durationType = reflect.TypeFor[Duration]()
	secretType   = reflect.TypeFor[Secret]()
)

// checkTree reports every unknown key, repeated key and value that does
// not decode into its field, joined with errors.Join.
func checkTree(root *yaml.Node) error {
	c := &treeChecker{}
	c.structMapping(root, "", reflect.TypeFor[Config]())
	return errors.Join(c.errs...)
}

func (c *treeChecker) add(path string, line int, problem, hint string) {
	c.errs = append(c.errs, &FieldError{Path: path, Line: line, Problem: problem, Hint: hint})
}

// spend counts one visit and reports whether the budget allows it.
func (c *treeChecker) spend(line int) bool {
	c.visits++
	if c.visits == maxTreeVisits+1 {
		c.add("(document)", line, fmt.Sprintf("more than %d keys after expanding aliases and merge keys", maxTreeVisits), "write the configuration out without deeply shared anchors")
	}
	return c.visits <= maxTreeVisits
}

// structMapping checks the mapping n against struct type t. Explicit keys
// are checked first; keys merged with "<<" are checked only when no
// explicit key (or earlier merge) sets them, matching yaml.v3.
func (c *treeChecker) structMapping(n *yaml.Node, path string, t reflect.Type) {
	seen := make(map[string]int)
	merges := c.entries(n, path, t, seen, true)
	for i := 0; i < len(merges); i++ {
		m := resolveAlias(merges[i])
		if m == nil || !c.spend(m.Line) {
			return
		}
		switch m.Kind {
		case yaml.MappingNode:
			merges = append(merges, c.entries(m, path, t, seen, false)...)
		case yaml.SequenceNode:
			// A merge key takes a mapping or a list of mappings (YAML
			// merge key spec); lists of lists are refused here rather
			// than expanded.
			for _, item := range m.Content {
				if r := resolveAlias(item); r == nil || r.Kind != yaml.MappingNode {
					c.add(joinPath(path, "<<"), item.Line, "merge key list holds something other than a mapping", "use <<: [*anchor1, *anchor2] where each anchor names a mapping")
					return
				}
			}
			merges = append(merges, m.Content...)
		default:
			c.add(joinPath(path, "<<"), m.Line, "merge key must refer to a mapping", "use <<: *anchor where the anchor names a mapping")
			return
		}
	}
}

// entries checks the key/value pairs of one mapping node and returns the
// values of its merge keys.
func (c *treeChecker) entries(n *yaml.Node, path string, t reflect.Type, seen map[string]int, explicit bool) []*yaml.Node {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !c.spend(k.Line) {
			return nil
		}
		if k.Kind != yaml.ScalarNode {
			c.add(joinPath(path, "?"), k.Line, "keys must be plain names", "write key: value")
			continue
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		full := joinPath(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			if explicit {
				c.add(full, k.Line, "is repeated", fmt.Sprintf("it is first set at line %d; keep one", first))
			}
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fieldByKey(t, k.Value)
		if !ok {
			c.unknownKey(full, k.Value, k.Line, t)
			continue
		}
		c.value(v, full, f.Type)
	}
	return merges
}

// value checks that v decodes into a field of type t.
func (c *treeChecker) value(v *yaml.Node, path string, t reflect.Type) {
	r := resolveAlias(v)
	if r == nil || (r.Kind == yaml.ScalarNode && r.ShortTag() == "!!null") {
		return // null keeps the default
	}
	switch {
	case t.Kind() == reflect.Struct:
		if r.Kind != yaml.MappingNode {
			c.add(path, r.Line, "is "+kindName(r)+", not a section", "write its keys indented below "+lastSegment(path)+":")
			return
		}
		c.structMapping(r, path, t)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		// Lists of sections (relying parties, claim rules): each item is
		// checked like a section, so its keys get paths such as
		// relying_parties.wsfed[0].claims[1].claim.
		if r.Kind != yaml.SequenceNode {
			c.add(path, r.Line, "is "+kindName(r)+", not a list", "write one \"- key: value\" item per entry")
			return
		}
		for i, item := range r.Content {
			if !c.spend(item.Line) {
				return
			}
			c.value(item, path+"["+strconv.Itoa(i)+"]", t.Elem())
		}
	case t == durationType:
		if r.Kind != yaml.ScalarNode {
			c.add(path, r.Line, "is "+kindName(r)+", not a duration", durationHint)
			return
		}
		if _, err := duration.Parse(r.Value); err != nil {
			problem := err.Error()
			var se *duration.SyntaxError
			if errors.As(err, &se) {
				problem = se.Problem
			}
			c.add(path, r.Line, problem, durationHint)
		}
	default:
		if err := v.Decode(reflect.New(t).Interface()); err != nil {
			c.add(path, r.Line, "cannot use "+describeValue(r, t == secretType), "expected "+expected(t))
		}
	}
}

// unknownKey reports a key that the schema does not have, with the
// migration hint of a removed key or the closest existing key.
func (c *treeChecker) unknownKey(path, key string, line int, t reflect.Type) {
	if hint, ok := removedKeyHint(path); ok {
		c.add(path, line, "is no longer supported", hint)
		return
	}
	allowed := keysOf(t)
	hint := "allowed keys here: " + strings.Join(allowed, ", ")
	if s := closest(key, allowed); s != "" {
		hint = fmt.Sprintf("did you mean %s? %s", s, hint)
	}
	c.add(path, line, "unknown key", hint)
}

// resolveAlias follows alias nodes to their target; nil for a dangling
// alias.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// fieldByKey finds the struct field whose yaml tag name is key.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if yamlName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// keysOf lists the YAML keys of struct type t in sorted order.
func keysOf(t reflect.Type) []string {
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if n := yamlName(t.Field(i)); n != "" {
			keys = append(keys, n)
		}
	}
	sort.Strings(keys)
	return keys
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func lastSegment(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// kindName describes a node's kind for error messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return "a single value"
	}
}

// describeValue quotes a short excerpt of a scalar, or names the node
// kind. Secret values are never quoted.
func describeValue(n *yaml.Node, secret bool) string {
	if n.Kind != yaml.ScalarNode {
		return kindName(n)
	}
	if secret {
		return "this value"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return fmt.Sprintf("%q", v)
}

// expected describes the values a field of type t accepts.
func expected(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Slice:
		return "a list of strings, such as [a, b]"
	default:
		return "a single string value"
	}
}

// closest returns the allowed key nearest to key (edit distance at most 2,
// ignoring case), or "".
func closest(key string, allowed []string) string {
	best, bestDist := "", 3
	lk := strings.ToLower(key)
	if len(lk) > 64 {
		return ""
	}
	for _, a := range allowed {
		if d := editDistance(lk, a); d < bestDist {
			best, bestDist = a, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
