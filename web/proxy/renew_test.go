package proxy_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
	"github.com/fedgate/fedgate/web/proxy"
)

func newRenewer(e *env) *proxy.Renewer {
	c := &proxytrust.Client{
		ServerURL: e.nodes[0].srv.URL,
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: e.pki.Pool, MinVersion: tls.VersionTLS12, GetClientCertificate: e.kp.GetClientCertificate,
		}}},
		Now: e.clock.Now,
	}
	return &proxy.Renewer{KeyPair: e.kp, Client: c, Now: e.clock.Now, OnRenew: e.proxy.CloseIdleConnections}
}

func TestRenewer_RenewsBeforeExpiryAndKeepsForwarding(t *testing.T) {
	e := newEnv(t, 1, nil)
	r := newRenewer(e)
	old := e.kp.Leaf()

	if renewed, err := r.RenewIfDue(t.Context()); err != nil || renewed {
		t.Fatalf("fresh certificate: renewed=%v err=%v", renewed, err)
	}
	if list, _ := e.auth.List(t.Context()); len(list) != 1 {
		t.Fatalf("a renewal was requested before it was due (%d certificates)", len(list))
	}

	e.clock.Advance(proxytrust.RenewAt(old).Sub(e.clock.Now()))
	renewed, err := r.RenewIfDue(t.Context())
	if err != nil || !renewed {
		t.Fatalf("due certificate: renewed=%v err=%v", renewed, err)
	}
	cur := e.kp.Leaf()
	if cur.SerialNumber.Cmp(old.SerialNumber) == 0 || !cur.NotAfter.After(old.NotAfter) || cur.DNSNames[0] != proxyName {
		t.Fatalf("after renewal: serial %s until %s for %v", cur.SerialNumber, cur.NotAfter, cur.DNSNames)
	}
	_, keyFile := e.kp.Files()
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file after renewal: %v", err)
	}
	list, err := e.auth.List(t.Context())
	if err != nil || len(list) != 2 || !list[1].Renewal {
		t.Fatalf("issued list %+v, %v", list, err)
	}

	// Revoking the old certificate does not disturb the proxy: it already
	// presents the new one.
	if _, err := e.auth.Revoke(t.Context(), proxytrust.SerialString(old.SerialNumber)); err != nil {
		t.Fatal(err)
	}
	resp, _ := e.raw(t, "GET", "/adfs/ls/", "")
	if resp.StatusCode != 200 {
		t.Fatalf("forwarding with the renewed certificate: %d", resp.StatusCode)
	}
	if got := e.lastSeen(t); got.Origin.Proxy != proxyName || !got.Origin.Extranet {
		t.Fatalf("origin %+v", got.Origin)
	}
}

func TestRenewer_RunRenewsOnTick(t *testing.T) {
	e := newEnv(t, 1, nil)
	r := newRenewer(e)
	old := e.kp.Leaf()
	ctx, cancel := context.WithCancel(t.Context())
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		r.Run(ctx, ticks)
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })

	tick(ctx, ticks)
	if e.kp.Leaf().SerialNumber.Cmp(old.SerialNumber) != 0 {
		t.Fatal("renewed before due")
	}
	e.clock.Advance(proxytrust.RenewAt(old).Sub(e.clock.Now()))
	tick(ctx, ticks)
	if e.kp.Leaf().SerialNumber.Cmp(old.SerialNumber) == 0 {
		t.Fatal("not renewed after the tick")
	}
}

func TestRenewer_RefusedWhenRevoked(t *testing.T) {
	e := newEnv(t, 1, nil)
	r := newRenewer(e)
	old := e.kp.Leaf()
	if _, err := e.auth.RevokeProxy(t.Context(), proxyName); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(proxytrust.RenewAt(old).Sub(e.clock.Now()))
	if renewed, err := r.RenewIfDue(t.Context()); err == nil || renewed {
		t.Fatalf("revoked certificate renewed: %v %v", renewed, err)
	}
	if e.kp.Leaf().SerialNumber.Cmp(old.SerialNumber) != 0 {
		t.Fatal("key pair changed after a refused renewal")
	}
}
