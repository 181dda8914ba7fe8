package rpsync_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/rp"
	"github.com/fedgate/fedgate/idp/rp/rpsync"
	"github.com/fedgate/fedgate/idp/samlp"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/sqlite"
)

var updated = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// wsfedRecord is a stored WS-Fed party known by realm.
func wsfedRecord(name, realm string) store.RelyingPartyRecord {
	return store.RelyingPartyRecord{
		Name: name, Protocol: "wsfed", Identifiers: []string{realm}, UpdatedAt: updated,
		Definition: fmt.Appendf(nil, "name: %s\nprotocol: wsfed\nidentifiers: [%q]\nreply_urls: [\"https://%s.example.com/\"]\nmfa: never\n",
			name, realm, strings.ToLower(name)),
	}
}

const spMetadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.com/metadata">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs" index="1"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`

// samlRecord is a stored SAML party with its metadata inlined.
func samlRecord(name string) store.RelyingPartyRecord {
	def := "name: " + name + "\nprotocol: saml2\nmetadata: |\n  " + strings.ReplaceAll(spMetadata, "\n", "\n  ") + "\n"
	return store.RelyingPartyRecord{
		Name: name, Protocol: "saml2", Identifiers: []string{"https://sp.example.com/metadata"},
		Definition: []byte(def), UpdatedAt: updated,
	}
}

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "fedgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newRefresher(t *testing.T, st rpsync.Store, static ...rp.Party) *rpsync.Refresher {
	t.Helper()
	r, err := rpsync.New(st, static, rp.Env{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func refresh(t *testing.T, r *rpsync.Refresher) {
	t.Helper()
	if err := r.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
}

func trusted(t *testing.T, r *rpsync.Refresher, id string) string {
	t.Helper()
	p, err := r.Live().Lookup(id)
	if err != nil {
		if !errors.Is(err, rp.ErrUnknownParty) {
			t.Fatalf("Lookup(%q): %v", id, err)
		}
		return ""
	}
	return p.Name
}

func put(t *testing.T, st store.RelyingParties, rec store.RelyingPartyRecord) {
	t.Helper()
	if err := st.PutRelyingParty(t.Context(), rec); err != nil {
		t.Fatalf("PutRelyingParty(%q): %v", rec.Name, err)
	}
}

func TestRefresh_FollowsTheStore(t *testing.T) {
	st := openSQLite(t)
	r := newRefresher(t, st, rp.Office365(rp.MFAAlways))
	if got := trusted(t, r, rp.Office365Realm); got == "" {
		t.Fatal("Office 365 is not trusted before the first Refresh")
	}
	refresh(t, r)
	put(t, st, wsfedRecord("App", "urn:app"))
	put(t, st, samlRecord("SP"))
	if got := trusted(t, r, "urn:app"); got != "" {
		t.Fatal("a stored party is trusted before Refresh")
	}
	refresh(t, r)
	if got := trusted(t, r, "urn:app"); got != "App" {
		t.Fatalf("Lookup(urn:app) = %q, want App", got)
	}
	p, err := r.Live().Lookup("https://sp.example.com/metadata")
	if err != nil || p.SAML == nil || p.ReplyURLs[0] != "https://sp.example.com/acs" {
		t.Fatalf("stored SAML party = %+v, %v", p, err)
	}
	if got := trusted(t, r, rp.Office365Realm); got == "" {
		t.Fatal("Office 365 dropped by a refresh")
	}
	if err := st.DeleteRelyingParty(t.Context(), "App"); err != nil {
		t.Fatal(err)
	}
	refresh(t, r)
	if got := trusted(t, r, "urn:app"); got != "" {
		t.Fatalf("removed party still trusted as %q", got)
	}
	if len(r.Problems()) != 0 {
		t.Fatalf("Problems = %v", r.Problems())
	}
}

// fakeStore is an in-memory Store with injectable failures.
type fakeStore struct {
	mu        sync.Mutex
	version   int64
	recs      []store.RelyingPartyRecord
	lists     int
	versionFn func() error // called by RelyingPartiesVersion when set
	listErr   error
}

func (f *fakeStore) RelyingPartiesVersion(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.versionFn != nil {
		if err := f.versionFn(); err != nil {
			return 0, err
		}
	}
	return f.version, nil
}

func (f *fakeStore) ListRelyingParties(context.Context) ([]store.RelyingPartyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists++
	if f.listErr != nil {
		return nil, f.listErr
	}
	return append([]store.RelyingPartyRecord(nil), f.recs...), nil
}

// set replaces the records and bumps the version.
func (f *fakeStore) set(recs ...store.RelyingPartyRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recs = recs
	f.version++
}

func TestRefresh_RebuildsOnlyWhenTheVersionMoves(t *testing.T) {
	f := &fakeStore{}
	r := newRefresher(t, f)
	refresh(t, r)
	refresh(t, r)
	if f.lists != 1 {
		t.Fatalf("%d lists for an unchanged version, want 1", f.lists)
	}
	f.set(wsfedRecord("App", "urn:app"))
	refresh(t, r)
	refresh(t, r)
	if f.lists != 2 || trusted(t, r, "urn:app") != "App" {
		t.Fatalf("lists = %d, App trusted = %q", f.lists, trusted(t, r, "urn:app"))
	}
}

func TestRefresh_UnusableStoredParties(t *testing.T) {
	broken := wsfedRecord("App", "urn:app")
	broken.Definition = []byte("name: App\nprotocol: wsfed\nidentifiers: [urn:app]\nreply_urls: [\"http://app.example.com/\"]\n")
	unknownKey := wsfedRecord("App", "urn:app")
	unknownKey.Definition = append(unknownKey.Definition, "future_setting: true\n"...)
	mismatch := wsfedRecord("App", "urn:app")
	mismatch.Identifiers = []string{"urn:other"}
	renamed := wsfedRecord("App", "urn:app")
	renamed.Name = "Other name"
	noProtocol := wsfedRecord("App", "urn:app")
	noProtocol.Definition = []byte(strings.Replace(string(noProtocol.Definition), "protocol: wsfed\n", "", 1))
	tests := []struct {
		name string
		bad  store.RelyingPartyRecord
		want string // in the problem
	}{
		{"invalid definition", broken, "reply_urls"},
		{"unknown key (newer node)", unknownKey, "future_setting"},
		{"identifiers differ from the record", mismatch, "differ"},
		{"name differs from the record", renamed, "names"},
		{"no protocol", noProtocol, "protocol is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeStore{}
			r := newRefresher(t, f)
			// New and bad: left out, the rest applies.
			f.set(tt.bad, wsfedRecord("Other", "urn:other-app"))
			refresh(t, r)
			if trusted(t, r, "urn:app") != "" || trusted(t, r, "urn:other") != "" {
				t.Fatal("an unusable party is trusted")
			}
			if trusted(t, r, "urn:other-app") != "Other" {
				t.Fatal("a good party was held back by a bad one")
			}
			problems := r.Problems()
			if len(problems) != 1 || !strings.Contains(problems[0].Error(), tt.want) || !strings.Contains(problems[0].Error(), tt.bad.Name) {
				t.Fatalf("Problems = %v, want one naming %q and %q", problems, tt.bad.Name, tt.want)
			}
		})
	}
}

func TestRefresh_BadReplacementKeepsTheLastGoodDefinition(t *testing.T) {
	f := &fakeStore{}
	r := newRefresher(t, f)
	good := wsfedRecord("App", "urn:app")
	f.set(good, wsfedRecord("Old", "urn:old"))
	refresh(t, r)
	bad := good
	bad.Definition = append(append([]byte(nil), good.Definition...), "future_setting: 1\n"...)
	// The bad replacement arrives together with a removal: the removal
	// must apply even though App cannot be rebuilt.
	f.set(bad)
	refresh(t, r)
	if trusted(t, r, "urn:app") != "App" {
		t.Fatal("App lost its last good definition")
	}
	if trusted(t, r, "urn:old") != "" {
		t.Fatal("a removal was held back by an unrelated bad record")
	}
	if len(r.Problems()) != 1 {
		t.Fatalf("Problems = %v, want one", r.Problems())
	}
	// Still kept across further rebuilds, until fixed.
	f.set(bad, wsfedRecord("New", "urn:new"))
	refresh(t, r)
	if trusted(t, r, "urn:app") != "App" || trusted(t, r, "urn:new") != "New" {
		t.Fatal("later rebuild lost App or missed New")
	}
	f.set(good)
	refresh(t, r)
	if len(r.Problems()) != 0 || trusted(t, r, "urn:app") != "App" {
		t.Fatalf("after the fix: Problems = %v", r.Problems())
	}
}

func TestRefresh_ConfigWinsACollision(t *testing.T) {
	f := &fakeStore{}
	r := newRefresher(t, f, rp.Office365(rp.MFAAlways))
	f.set(wsfedRecord("Impostor", rp.Office365Realm), wsfedRecord("App", "urn:app"))
	refresh(t, r)
	p, err := r.Live().Lookup(rp.Office365Realm)
	if err != nil || p.Name != rp.Office365(rp.MFAAlways).Name || p.ReplyURLs[0] != rp.Office365ReplyURL {
		t.Fatalf("Office 365 = %+v, %v; want the configured party", p, err)
	}
	if trusted(t, r, "urn:app") != "App" {
		t.Fatal("an unrelated stored party was left out")
	}
	problems := r.Problems()
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "Impostor") || !strings.Contains(problems[0].Error(), "fedgate.yaml wins") {
		t.Fatalf("Problems = %v", problems)
	}
}

func TestRefresh_StoreErrorsKeepTheRegistry(t *testing.T) {
	boom := errors.New("database is down")
	f := &fakeStore{}
	r := newRefresher(t, f)
	f.set(wsfedRecord("App", "urn:app"))
	refresh(t, r)
	before := r.Live().Registry()

	f.set(wsfedRecord("Other", "urn:other"))
	f.listErr = boom
	if err := r.Refresh(t.Context()); !errors.Is(err, boom) {
		t.Fatalf("Refresh err = %v, want the list error", err)
	}
	f.listErr = nil
	f.versionFn = func() error { return boom }
	if err := r.Refresh(t.Context()); !errors.Is(err, boom) {
		t.Fatalf("Refresh err = %v, want the version error", err)
	}
	if r.Live().Registry() != before {
		t.Fatal("a failed refresh replaced the registry")
	}
	// Recovery applies the change the failures hid.
	f.versionFn = nil
	refresh(t, r)
	if trusted(t, r, "urn:other") != "Other" || trusted(t, r, "urn:app") != "" {
		t.Fatal("the refresh after recovery did not apply the pending change")
	}
}

func TestStoredEnv_RefusesFiles(t *testing.T) {
	rec := samlRecord("SP")
	rec.Definition = []byte("name: SP\nprotocol: saml2\nmetadata_file: /etc/fedgate/sp.xml\n")
	env := rpsync.StoredEnv(rp.Env{ReadFile: func(string) ([]byte, error) { return []byte(spMetadata), nil }})
	if _, err := rpsync.StoredParty(rec, env); !errors.Is(err, rpsync.ErrNotSelfContained) {
		t.Fatalf("StoredParty(metadata_file) err = %v, want ErrNotSelfContained", err)
	}
}

func TestNew_Errors(t *testing.T) {
	if _, err := rpsync.New(nil, nil, rp.Env{}, nil); err == nil {
		t.Error("New(nil store) succeeded")
	}
	bad := rp.Party{Name: "x", Identifiers: []string{"urn:x"}, ReplyURLs: []string{"http://x.example/"}}
	if _, err := rpsync.New(&fakeStore{}, []rp.Party{bad}, rp.Env{}, nil); err == nil || !strings.Contains(err.Error(), "configured") {
		t.Errorf("New(invalid static party) err = %v", err)
	}
}

// TestRun_PollsUntilCancelled runs the loop with a short interval and
// waits for polls by event, not by time.
func TestRun_PollsUntilCancelled(t *testing.T) {
	polled := make(chan struct{}, 16)
	f := &fakeStore{versionFn: func() error {
		select {
		case polled <- struct{}{}:
		default:
		}
		return nil
	}}
	r := newRefresher(t, f)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	f.set(wsfedRecord("App", "urn:app"))
	go func() { done <- r.Run(ctx, time.Millisecond) }()
	// Polls run one after another, so when the second has begun the
	// first, which saw the change, has finished.
	for range 2 {
		<-polled
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if trusted(t, r, "urn:app") != "App" {
		t.Fatal("Run's polls did not load the stored party")
	}
}

// TestRefresh_ConcurrentWithReads is for the race detector.
func TestRefresh_ConcurrentWithReads(t *testing.T) {
	f := &fakeStore{}
	r := newRefresher(t, f)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 50 {
			f.set(wsfedRecord("App", fmt.Sprint("urn:app:", i)))
			if err := r.Refresh(t.Context()); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for range 200 {
				r.Live().Lookup("urn:app:1")
				r.Live().Parties()
				r.Problems()
			}
		})
	}
	wg.Wait()
}

// TestLimitsAgree keeps the store able to hold every definition a node
// accepts.
func TestLimitsAgree(t *testing.T) {
	if store.MaxRelyingPartyDefinition != rp.MaxDefinitionBytes {
		t.Errorf("store.MaxRelyingPartyDefinition = %d, rp.MaxDefinitionBytes = %d", store.MaxRelyingPartyDefinition, rp.MaxDefinitionBytes)
	}
	if store.MaxRelyingPartyNameLen != rp.MaxNameBytes {
		t.Errorf("store.MaxRelyingPartyNameLen = %d, rp.MaxNameBytes = %d", store.MaxRelyingPartyNameLen, rp.MaxNameBytes)
	}
	if store.MaxRelyingPartyIdentifiers < rp.MaxIdentifiers {
		t.Errorf("store.MaxRelyingPartyIdentifiers = %d < rp.MaxIdentifiers = %d", store.MaxRelyingPartyIdentifiers, rp.MaxIdentifiers)
	}
	if samlp.MaxMetadataBytes >= store.MaxRelyingPartyDefinition {
		t.Error("the store cannot hold a definition with the largest metadata inlined")
	}
}
