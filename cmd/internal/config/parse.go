package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/internal/boundedfile"
)

// errEmpty reports a document without any setting.
var errEmpty = errors.New("the configuration is empty; set at least federation.name (see the commented example configuration)")

// MaxFileSize is the largest configuration file Load and Parse accept,
// in bytes (1 MiB). It bounds parse time and memory.
const MaxFileSize = 1 << 20

// Load reads the configuration file at path (at most MaxFileSize bytes)
// and parses it with [Parse]. Secrets named by *_file keys are not read;
// call [Config.ResolveSecrets] for that.
func Load(path string) (Config, error) {
	data, err := boundedfile.Read(path, MaxFileSize)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	cfg, err := parse(data)
	if err != nil {
		return Config{}, fmt.Errorf("config: %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes a configuration document. It starts from [Default],
// decodes strictly (an unknown or repeated key, a value of the wrong type,
// or a second YAML document is an error naming the key and its line;
// removed keys carry a migration hint) and then runs [Config.Validate].
// Every problem found by a stage is reported, joined with errors.Join.
func Parse(data []byte) (Config, error) {
	cfg, err := parse(data)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

func parse(data []byte) (Config, error) {
	if len(data) > MaxFileSize {
		return Config{}, fmt.Errorf("the configuration is %d bytes; the limit is %d", len(data), MaxFileSize)
	}
	root, err := decodeSingleDocument(data)
	if err != nil {
		return Config{}, err
	}
	if err := checkTree(root); err != nil {
		return Config{}, withCount("problem", err)
	}
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		// checkTree has already decoded every value on its own, so this is
		// a defence in depth that should not trigger.
		return Config{}, fmt.Errorf("decode: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, withCount("invalid value", err)
	}
	return cfg, nil
}

// decodeSingleDocument parses data into a node tree and returns the
// top-level mapping. Empty input, a top level other than a mapping and
// more than one document are errors.
func decodeSingleDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errEmpty
		}
		return nil, fmt.Errorf("YAML syntax: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		where := ""
		if err == nil && extra.Line > 0 {
			where = fmt.Sprintf(" (second at line %d)", extra.Line)
		}
		return nil, fmt.Errorf("the file holds more than one YAML document%s; put everything in one document (a '---' may only start the file)", where)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errEmpty
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, errEmpty
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the top level must be a mapping of sections (federation:, listen:, …), not %s", root.Line, kindName(root))
	}
	return root, nil
}

// withCount prefixes a joined error with the number of problems it holds,
// so the first line of a multi-line report says what follows.
func withCount(noun string, err error) error {
	n := 1
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		n = len(j.Unwrap())
	}
	if n == 1 {
		return fmt.Errorf("1 %s:\n%w", noun, err)
	}
	return fmt.Errorf("%d %ss:\n%w", n, noun, err)
}
