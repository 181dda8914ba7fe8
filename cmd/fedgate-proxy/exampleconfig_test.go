package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fedgate/fedgate/cmd/internal/config"
)

// exampleConfig is the shipped, fully commented example configuration.
const exampleConfig = "../../deploy/fedgate-proxy.example.yaml"

func TestExampleConfig_Parses(t *testing.T) {
	cfg, err := LoadConfig(exampleConfig)
	if err != nil {
		t.Fatalf("LoadConfig(%s) = %v", exampleConfig, err)
	}
	if cfg.FederationName != "sts.contoso.com" || len(cfg.Backend.Nodes) != 2 {
		t.Fatalf("example read as %+v", cfg)
	}
}

// TestExampleConfig_ShowsEveryKeyWithItsDefault keeps the example in step
// with Config: every key appears, and every key with a concrete default
// shows exactly that value.
func TestExampleConfig_ShowsEveryKeyWithItsDefault(t *testing.T) {
	data, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	def := Default()
	// Give the list one element so that its keys are checked too.
	def.Backend.Nodes = []BackendNode{{}}
	out, err := yaml.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	var defDoc map[string]any
	if err := yaml.Unmarshal(out, &defDoc); err != nil {
		t.Fatal(err)
	}
	// Required keys without a default, which the example fills in.
	differs := map[string]bool{
		"federation_name": true, "listen.tls_cert_file": true, "listen.tls_key_file": true,
		"backend.nodes[].url": true, "backend.ca_file": true,
	}
	var walk func(path string, want, got any)
	walk = func(path string, want, got any) {
		switch w := want.(type) {
		case map[string]any:
			g, ok := got.(map[string]any)
			if !ok {
				t.Errorf("example %s is %T, want a mapping", path, got)
				return
			}
			for k, wv := range w {
				p := strings.TrimPrefix(path+"."+k, ".")
				gv, ok := g[k]
				if !ok {
					t.Errorf("example lacks %s", p)
					continue
				}
				walk(p, wv, gv)
			}
		case []any:
			g, ok := got.([]any)
			if !ok || len(g) == 0 {
				t.Errorf("example %s is %v, want a non-empty list", path, got)
				return
			}
			for _, gv := range g {
				walk(path+"[]", w[0], gv)
			}
		default:
			if differs[path] {
				return
			}
			if !reflect.DeepEqual(normalize(want), normalize(got)) {
				t.Errorf("example %s = %v, default is %v", path, got, want)
			}
		}
	}
	walk("", defDoc, doc)
}

// normalize compares durations by value ("90s" and "1m30s").
func normalize(v any) any {
	if s, ok := v.(string); ok {
		if d, err := config.ParseDuration(s); err == nil && s != "0" {
			return d
		}
	}
	return v
}
