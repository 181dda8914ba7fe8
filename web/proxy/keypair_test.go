package proxy_test

import (
	"context"
	"crypto"
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/proxytrust/proxytrusttest"
	"github.com/fedgate/fedgate/web/proxy"
)

// writePair writes pair to the files and stamps them with mod, so that
// ReloadIfChanged sees a change however fast the test runs.
func writePair(t *testing.T, certFile, keyFile string, pair tls.Certificate, mod time.Time) {
	t.Helper()
	if err := proxy.WriteKeyPair(certFile, keyFile, proxytrust.CertificatePEM(pair.Leaf), pair.PrivateKey.(crypto.Signer)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{certFile, keyFile} {
		if err := os.Chtimes(f, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
}

func TestKeyPair_ReloadsChangedFilesAndKeepsGoodPairOnError(t *testing.T) {
	now := time.Now()
	pki := proxytrusttest.NewServerPKI(t, now)
	a, b, c := pki.Leaf(t, now, "a.example"), pki.Leaf(t, now, "b.example"), pki.Leaf(t, now, "c.example")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	mod := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	writePair(t, certFile, keyFile, a, mod)
	kp, err := proxy.LoadKeyPair(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	name := func() string { return kp.Leaf().DNSNames[0] }

	if changed, err := kp.ReloadIfChanged(); err != nil || changed {
		t.Fatalf("unchanged files: changed=%v err=%v", changed, err)
	}
	writePair(t, certFile, keyFile, b, mod.Add(time.Second))
	if changed, err := kp.ReloadIfChanged(); err != nil || !changed || name() != "b.example" {
		t.Fatalf("changed files: changed=%v err=%v name=%s", changed, err, name())
	}
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(keyFile, mod.Add(2*time.Second), mod.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := kp.ReloadIfChanged(); err == nil {
		t.Fatal("a broken key was accepted")
	}
	got, _ := kp.GetCertificate(nil)
	if name() != "b.example" || got.Leaf.DNSNames[0] != "b.example" {
		t.Fatalf("after a failed reload the pair is %s", name())
	}
	if err := os.Remove(certFile); err != nil {
		t.Fatal(err)
	}
	if err := kp.Reload(); err == nil || name() != "b.example" {
		t.Fatalf("missing file: err=%v name=%s", err, name())
	}

	ctx, cancel := context.WithCancel(t.Context())
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		kp.Watch(ctx, ticks)
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })
	writePair(t, certFile, keyFile, c, mod.Add(3*time.Second))
	tick(ctx, ticks)
	if name() != "c.example" {
		t.Fatalf("Watch did not pick up the new pair: %s", name())
	}
}
