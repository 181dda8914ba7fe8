package demo_test

import (
	"os"
	"strings"
	"testing"

	"github.com/fedgate/fedgate/cmd/internal/demo"
)

// TestDemo_LegacyClientsOption checks that --legacy-clients reaches the
// generated config and that a bad policy stops the demo with the config
// error.
func TestDemo_LegacyClientsOption(t *testing.T) {
	tests := []struct {
		name, policy, wantLine, wantErr string
	}{
		{"default writes nothing", "", "", ""},
		{"app_password", "app_password", `legacy_clients: "app_password"`, ""},
		{"unknown policy", "sometimes", "", "legacy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := demo.Start(t.Context(), demo.Options{
				Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: t.TempDir(), LegacyClients: tt.policy,
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					if d != nil {
						d.Close()
					}
					t.Fatalf("Start = %v, want an error mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			cfg, err := os.ReadFile(d.ConfigPath)
			if err != nil {
				t.Fatal(err)
			}
			has := strings.Contains(string(cfg), "legacy_clients:")
			if tt.wantLine == "" && has || tt.wantLine != "" && !strings.Contains(string(cfg), tt.wantLine) {
				t.Fatalf("config legacy_clients line: want %q in:\n%s", tt.wantLine, cfg)
			}
		})
	}
}
