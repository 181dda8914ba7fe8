package demo_test

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/cmd/internal/demo"
	"github.com/fedgate/fedgate/internal/testclock"
	"github.com/fedgate/fedgate/ldapauth/ldaptest"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
)

// The stand-in lab: two in-process directories (LDAPS and StartTLS) with
// one TLS certificate from a lab CA, users under the UPN suffix lab.test,
// and an env file in the shape deploy/samba-ad-lab.sh writes.
const (
	labBaseDN     = "DC=corp,DC=lab,DC=test"
	labSuffix     = "lab.test"
	labBindDN     = "CN=svc fedgate,CN=Users," + labBaseDN
	labBindPass   = "Svc-Lab-Standin-Passw0rd!"
	labAlicePass  = "Al1ce-Standin-Passw0rd!"
	labCarolPass  = "C4rol-Standin-Passw0rd!"
	labDavePass   = "D4ve-Standin-Passw0rd!"
	labOtherUPN   = "olga@elsewhere.test"
	labAdminPass  = "Adm1n-Standin-Passw0rd!"
	labAliceGUIDs = "\x10\x32\x54\x76\x98\xba\xdc\xfe\x01\x23\x45\x67\x89\xab\xcd\xef"
)

type standinLab struct {
	envFile string
	ldaps   *ldaptest.Directory
	caPEM   []byte
}

func labUsers() []ldaptest.User {
	mk := func(sam, name, upn, pw string) ldaptest.User {
		return ldaptest.User{DN: "CN=" + name + ",CN=Users," + labBaseDN, UPN: upn, SAMAccountName: sam, DisplayName: name, Password: pw}
	}
	alice := mk("alice", "Alice Anderson", "alice@"+labSuffix, labAlicePass)
	alice.ObjectGUID = []byte(labAliceGUIDs)
	carol := mk("carol", "Carol Clark", "carol@"+labSuffix, labCarolPass)
	carol.Disabled = true
	dave := mk("dave", "Dave Davis", "Dave@LAB.test", labDavePass) // suffix matched case-insensitively
	dave.MustChangePassword = true
	olga := mk("olga", "Olga Other", labOtherUPN, "Olga-Passw0rd!")
	return []ldaptest.User{alice, carol, dave, olga}
}

// startStandinLab starts the stand-in lab; mutate may change the env file's
// keys (a "" value drops the key).
func startStandinLab(t *testing.T, mutate func(env map[string]string)) *standinLab {
	t.Helper()
	now := time.Now()
	pki := proxytrusttest.NewServerPKI(t, now)
	leaf := pki.Leaf(t, now, "127.0.0.1", "localhost")
	serverTLS := &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}
	start := func(startTLS bool) *ldaptest.Directory {
		return ldaptest.StartT(t, ldaptest.Config{
			BaseDN: labBaseDN, BindDN: labBindDN, BindPassword: labBindPass, Users: labUsers(),
			StartTLS: startTLS, TLSConfig: serverTLS.Clone(),
		})
	}
	lab := &standinLab{ldaps: start(false), caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.CA.Raw})}
	starttls := start(true)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, lab.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"FEDGATE_AD_LDAPS_URL": lab.ldaps.URL(), "FEDGATE_AD_STARTTLS_URL": starttls.URL(), "FEDGATE_AD_CA_FILE": caFile,
		"FEDGATE_AD_BASE_DN": labBaseDN, "FEDGATE_AD_DOMAIN": "CORP", "FEDGATE_AD_UPN_SUFFIX": labSuffix,
		"FEDGATE_AD_BIND_DN": labBindDN, "FEDGATE_AD_BIND_PASSWORD": labBindPass,
		"FEDGATE_AD_ADMIN_DN": "CN=Administrator,CN=Users," + labBaseDN, "FEDGATE_AD_ADMIN_PASSWORD": labAdminPass,
		"FEDGATE_AD_LOCKOUT_THRESHOLD": "5", "FEDGATE_AD_PASSWORD_ALICE": labAlicePass,
	}
	if mutate != nil {
		mutate(env)
	}
	var b strings.Builder
	b.WriteString("# stand-in lab\n")
	for k, v := range env {
		if v != "" {
			fmt.Fprintf(&b, "%s='%s'\n", k, v)
		}
	}
	lab.envFile = filepath.Join(dir, "env")
	if err := os.WriteFile(lab.envFile, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return lab
}

// TestDemo_DirectoryEnvUsesTheLabDirectory runs the demo against the
// stand-in lab: the generated config points at both DC URLs with the lab
// CA and the service account (password in a 0600 file only), the banner
// names the directory without passwords, and a lab user signs in end to end
// at the simulated Microsoft Online with the ImmutableID of her objectGUID.
// The disabled user gets the generic error, the must-change user the
// password-change page, and a user outside the lab's UPN suffix is not
// federated.
func TestDemo_DirectoryEnvUsesTheLabDirectory(t *testing.T) {
	lab := startStandinLab(t, nil)
	clk := testclock.New(time.Now().UTC())
	d, logs := startLogged(t, demo.Options{DirectoryEnv: lab.envFile, Now: clk.Now})

	t.Run("config", func(t *testing.T) {
		if d.Directory != nil || d.Domain != labSuffix {
			t.Fatalf("in-process directory %v, domain %q", d.Directory, d.Domain)
		}
		raw, err := os.ReadFile(d.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(labBindPass)) {
			t.Fatal("the service account's password is inline in fedgate.yaml")
		}
		cfg, err := config.Load(d.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		dc := cfg.Directory
		if len(dc.URLs) != 2 || !strings.HasPrefix(dc.URLs[0], "ldaps://127.0.0.1:") || !strings.HasPrefix(dc.URLs[1], "ldap://127.0.0.1:") ||
			!dc.StartTLS || dc.BindDN != labBindDN || dc.BaseDN != labBaseDN || dc.ImmutableIDSource != config.ImmutableIDObjectGUID {
			t.Errorf("directory: %+v", dc)
		}
		for _, f := range []struct {
			path string
			want []byte
		}{{dc.BindPasswordFile, []byte(labBindPass + "\n")}, {dc.CAFile, lab.caPEM}} {
			st, err := os.Stat(f.path)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(f.path)
			if st.Mode().Perm() != 0o600 || !bytes.Equal(got, f.want) {
				t.Errorf("%s: mode %v, content matches %v", f.path, st.Mode().Perm(), bytes.Equal(got, f.want))
			}
		}
	})

	t.Run("banner", func(t *testing.T) {
		banner := d.Banner()
		if !strings.Contains(banner, "Active Directory at "+lab.ldaps.URL()) || !strings.Contains(banner, "    alice@"+labSuffix+"\n") ||
			!strings.Contains(banner, "federated domain "+labSuffix) || strings.Contains(banner, labOtherUPN) {
			t.Errorf("banner:\n%s", banner)
		}
		for _, secret := range []string{labBindPass, labAlicePass, labCarolPass, labDavePass, labAdminPass, "Alice-Passw0rd!"} {
			if strings.Contains(banner, secret) {
				t.Errorf("the banner shows a password it did not create (%d characters)", len(secret))
			}
		}
	})

	t.Run("sign in", func(t *testing.T) {
		b := newBrowser(t, d)
		p := b.get(d.MSOnlineURL + "/")
		p = b.submit(p, "signin-form", map[string]string{"login": "alice@" + labSuffix})
		p, _ = b.passwordAndEnroll(p, "alice@"+labSuffix, labAlicePass, clk.Now())
		p = b.submit(p, "autopost", nil)
		if !p.Has("signed-in") {
			t.Fatalf("simulated Microsoft Online did not accept the token (%d): %s", p.status, p.body)
		}
		want := base64.StdEncoding.EncodeToString([]byte(labAliceGUIDs))
		if p.Text("upn") != "alice@"+labSuffix || p.Text("immutable-id") != want {
			t.Errorf("signed in as %q with ImmutableID %q, want %q", p.Text("upn"), p.Text("immutable-id"), want)
		}
	})

	t.Run("refused accounts", func(t *testing.T) {
		for _, acct := range []struct{ user, pass, wantID string }{
			{"carol@" + labSuffix, labCarolPass, "error"},
			{"Dave@LAB.test", labDavePass, "page-password-change"},
		} {
			b := newBrowser(t, d)
			p := b.get(d.MSOnlineURL + "/")
			p = b.submit(p, "signin-form", map[string]string{"login": acct.user})
			p = b.submit(p, "loginForm", map[string]string{"UserName": acct.user, "Password": acct.pass})
			if !p.Has(acct.wantID) || acct.wantID == "error" && !strings.HasPrefix(p.Text("error"), "Incorrect user ID or password") {
				t.Errorf("%s: want #%s: %s", acct.user, acct.wantID, p.body)
			}
		}
	})

	t.Run("other suffix not federated", func(t *testing.T) {
		b := newBrowser(t, d)
		p := b.get(d.MSOnlineURL + "/")
		p = b.submit(p, "signin-form", map[string]string{"login": labOtherUPN})
		if !strings.HasPrefix(p.url, d.MSOnlineURL) || p.Has("loginForm") {
			t.Errorf("%s went to %s", labOtherUPN, p.url)
		}
	})

	for _, secret := range []string{labBindPass, labAlicePass, labCarolPass, labDavePass} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a password reached the log (%d characters)", len(secret))
		}
	}
}

func TestDemo_DirectoryEnvErrors(t *testing.T) {
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		return addr
	}()
	fakeCA := func() string {
		pki := proxytrusttest.NewServerPKI(t, time.Now())
		p := filepath.Join(t.TempDir(), "fake-ca.pem")
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.CA.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}()
	for _, tc := range []struct {
		name   string
		mutate func(env map[string]string)
		want   []string
	}{
		{"missing key", func(env map[string]string) { env["FEDGATE_AD_BASE_DN"] = "" }, []string{"--directory-env", "FEDGATE_AD_BASE_DN is missing"}},
		{"fake CA", func(env map[string]string) { env["FEDGATE_AD_CA_FILE"] = fakeCA }, []string{"--directory-env", "connect to ldaps://127.0.0.1:", "certificate"}},
		{"DC down", func(env map[string]string) { env["FEDGATE_AD_LDAPS_URL"] = "ldaps://" + closed }, []string{"--directory-env", "connect to ldaps://" + closed}},
		{"wrong service password", func(env map[string]string) { env["FEDGATE_AD_BIND_PASSWORD"] = "wrong" }, []string{"--directory-env", "bind as", "Invalid Credentials"}},
		{"no user in the suffix", func(env map[string]string) { env["FEDGATE_AD_UPN_SUFFIX"] = "nowhere.test" }, []string{"no user under", "@nowhere.test", "FEDGATE_AD_UPN_SUFFIX"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lab := startStandinLab(t, tc.mutate)
			logs := &bytes.Buffer{}
			_, err := demo.Start(t.Context(), demo.Options{
				Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: t.TempDir(), DirectoryEnv: lab.envFile,
				Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			if err == nil {
				t.Fatal("demo started")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error()+logs.String(), labBindPass) {
				t.Error("the service account's password is in the error or the log")
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := demo.Start(t.Context(), demo.Options{Listen: "127.0.0.1:0", MSOnlineListen: "127.0.0.1:0", DataDir: t.TempDir(),
			DirectoryEnv: filepath.Join(t.TempDir(), "env")})
		if err == nil || !strings.Contains(err.Error(), "--directory-env") || !strings.Contains(err.Error(), "no such file") {
			t.Fatalf("err = %v", err)
		}
	})
}
