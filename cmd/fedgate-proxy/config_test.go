package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/config"
)

// validConfig is the smallest valid configuration.
func validConfig() Config {
	c := Default()
	c.FederationName = "sts.contoso.com"
	c.Listen.TLSCertFile = "/etc/fedgate-proxy/tls.crt"
	c.Listen.TLSKeyFile = "/etc/fedgate-proxy/tls.key"
	c.Backend.Nodes = []BackendNode{{URL: "https://fs1.corp.contoso.com"}}
	c.Backend.CAFile = "/etc/fedgate-proxy/fedgate-ca.pem"
	return c
}

func TestValidate_OneProblemPerMutation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		path   string // "" = valid
	}{
		{"valid", func(*Config) {}, ""},
		{"federation name missing", func(c *Config) { c.FederationName = "" }, "federation_name"},
		{"federation name with scheme", func(c *Config) { c.FederationName = "https://sts.contoso.com" }, "federation_name"},
		{"listen address not host:port", func(c *Config) { c.Listen.Address = "443" }, "listen.address"},
		{"probe on the HTTPS port", func(c *Config) { c.Listen.ProbeAddress = c.Listen.Address }, "listen.probe_address"},
		{"probe disabled", func(c *Config) { c.Listen.ProbeAddress = "" }, ""},
		{"no TLS certificate", func(c *Config) { c.Listen.TLSCertFile = "" }, "listen.tls_cert_file"},
		{"zero read timeout", func(c *Config) { c.Listen.ReadTimeout = 0 }, "listen.read_timeout"},
		{"header timeout above read timeout", func(c *Config) { c.Listen.ReadHeaderTimeout = config.Duration(time.Minute) }, "listen.read_header_timeout"},
		{"tiny header limit", func(c *Config) { c.Listen.MaxHeaderBytes = 10 }, "listen.max_header_bytes"},
		{"huge body limit", func(c *Config) { c.Listen.MaxBodyBytes = 1 << 30 }, "listen.max_body_bytes"},
		{"no nodes", func(c *Config) { c.Backend.Nodes = nil }, "backend.nodes"},
		{"plain-HTTP node", func(c *Config) { c.Backend.Nodes[0].URL = "http://fs1" }, "backend.nodes[0].url"},
		{"node with a path", func(c *Config) { c.Backend.Nodes[0].URL = "https://fs1/adfs" }, "backend.nodes[0].url"},
		{"node with credentials", func(c *Config) { c.Backend.Nodes[0].URL = "https://u:p@fs1" }, "backend.nodes[0].url"},
		{"bad server name", func(c *Config) { c.Backend.Nodes[0].ServerName = "not a name" }, "backend.nodes[0].server_name"},
		{"no backend CA", func(c *Config) { c.Backend.CAFile = "" }, "backend.ca_file"},
		{"response timeout not below write timeout", func(c *Config) { c.Backend.ResponseHeaderTimeout = c.Listen.WriteTimeout }, "backend.response_header_timeout"},
		{"health interval zero", func(c *Config) { c.Backend.HealthInterval = 0 }, "backend.health_interval"},
		{"no proxy-trust key file", func(c *Config) { c.ProxyTrust.KeyFile = "" }, "proxy_trust.key_file"},
		{"plain-HTTP enrollment server", func(c *Config) { c.ProxyTrust.Server = "http://fs1" }, "proxy_trust.server"},
		{"renew check every second", func(c *Config) { c.ProxyTrust.RenewCheckInterval = config.Duration(time.Second) }, "proxy_trust.renew_check_interval"},
		{"log level", func(c *Config) { c.Log.Level = "verbose" }, "log.level"},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, "log.format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(&c)
			err := c.Validate()
			if tt.path == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			probs := config.Problems(err)
			if len(probs) != 1 || probs[0].Path != tt.path {
				t.Fatalf("problems %v, want exactly one at %s", err, tt.path)
			}
			if probs[0].Hint == "" {
				t.Errorf("%s: no hint", tt.path)
			}
		})
	}
}

func TestValidate_ReportsEverything(t *testing.T) {
	err := Default().Validate()
	got := map[string]bool{}
	for _, p := range config.Problems(err) {
		got[p.Path] = true
	}
	for _, want := range []string{"federation_name", "listen.tls_cert_file", "listen.tls_key_file", "backend.nodes", "backend.ca_file"} {
		if !got[want] {
			t.Errorf("missing problem for %s in %v", want, err)
		}
	}
}

func TestParseConfig(t *testing.T) {
	const good = `
federation_name: sts.contoso.com
listen:
  address: "127.0.0.1:8443"
  tls_cert_file: /x/tls.crt
  tls_key_file: /x/tls.key
  write_timeout: 2m
backend:
  ca_file: /x/ca.pem
  nodes:
    - url: https://fs1.corp.contoso.com
      server_name: sts.contoso.com
    - url: https://10.0.0.6
proxy_trust:
  renew_check_interval: 1d
`
	cfg, err := ParseConfig([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen.WriteTimeout.Std() != 2*time.Minute || len(cfg.Backend.Nodes) != 2 || cfg.ProxyTrust.RenewCheckInterval.Std() != 24*time.Hour {
		t.Fatalf("decoded %+v", cfg)
	}
	if cfg.Listen.ReadTimeout.Std() != 30*time.Second {
		t.Error("defaults not applied under a partial section")
	}
	tests := []struct{ name, doc, want string }{
		{"unknown key", good + "extra: 1\n", "extra"},
		{"misspelled nested key", strings.Replace(good, "server_name", "servername", 1), "servername"},
		{"two documents", good + "---\nfederation_name: x\n", "more than one"},
		{"empty", "", "empty"},
		{"bad duration", strings.Replace(good, "2m", "2 minutes", 1), "2 minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("federation_name: sts.contoso.com\n"))
	f.Add([]byte("listen: {address: ':1'}\nbackend: {nodes: [{url: 'https://a'}]}\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			var fe *config.FieldError
			_ = errors.As(err, &fe)
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("ParseConfig returned a config that fails Validate: %v", err)
		}
	})
}
