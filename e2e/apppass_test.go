//go:build unix

package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/wstrust"
)

// checkAppPasswords uses the app passwords browser.js created on the
// security page on the demo's WS-Trust 1.3 usernamemixed endpoint (policy
// app_password): the kept one gets a token, the revoked one and alice's
// directory password get FailedAuthentication. None of them may reach
// fedgate's log.
func checkAppPasswords(t *testing.T, sum *browserSummary, demo *runningDemo, outDir string) {
	t.Helper()
	if r := sum.Result.AppPasswords; r.Created != 2 || r.Revoked != 1 || r.File == "" {
		t.Fatalf("browser.js app passwords: %+v, want 2 created and 1 revoked", r)
	}
	raw, err := os.ReadFile(filepath.Join(outDir, filepath.Base(sum.Result.AppPasswords.File)))
	if err != nil {
		t.Fatal(err)
	}
	var pw struct{ Kept, Revoked string }
	if err := json.Unmarshal(raw, &pw); err != nil || pw.Kept == "" || pw.Revoked == "" {
		t.Fatalf("app-password file: %v", err)
	}
	// The file is only for this handover.
	if err := os.Remove(filepath.Join(outDir, filepath.Base(sum.Result.AppPasswords.File))); err != nil {
		t.Error(err)
	}

	sts := &activeSTS{client: pinnedClient(t, filepath.Join(demo.data, "tls.crt"), 30*time.Second)}
	defer sts.client.CloseIdleConnections()
	url := demo.fedgate + "/adfs/services/trust/13/usernamemixed"
	tests := []struct {
		name, password string
		ok             bool
	}{
		{"kept app password", pw.Kept, true},
		{"revoked app password", pw.Revoked, false},
		{"directory password of an enrolled user", demoAlicePassword, false},
	}
	for _, tt := range tests {
		t.Run("usernamemixed with "+tt.name, func(t *testing.T) {
			status, body := sts.post(t, wstrust.Trust13, url, sts.rst(wstrust.Trust13, url, "alice@contoso.com", tt.password))
			switch {
			case tt.ok && (status != http.StatusOK || !bytes.Contains(body, []byte("RequestSecurityTokenResponse"))):
				logActiveLines(t, demo)
				t.Fatalf("status %d, want a token: %s", status, body)
			case tt.ok && bytes.Contains(body, []byte("multipleauthn")):
				t.Fatal("a token issued on an app password claims MFA")
			case !tt.ok && (status != http.StatusInternalServerError || !bytes.Contains(body, []byte("FailedAuthentication"))):
				logActiveLines(t, demo)
				t.Fatalf("status %d, want FailedAuthentication: %s", status, body)
			}
		})
	}
	logs := demo.logs.String()
	for _, secret := range []string{pw.Kept, pw.Revoked, strings.ReplaceAll(pw.Kept, "-", "")} {
		if strings.Contains(logs, secret) {
			t.Error("an app password reached fedgate's log")
		}
	}
}

// logActiveLines logs the demo's WS-Trust and app-password log lines (they
// carry reasons and record IDs, never passwords) to explain a failure.
func logActiveLines(t *testing.T, demo *runningDemo) {
	t.Helper()
	for _, l := range strings.Split(demo.logs.String(), "\n") {
		if strings.Contains(l, "component=wstrust") || strings.Contains(l, "component=apppass") {
			t.Log("fedgate:", l)
		}
	}
}
