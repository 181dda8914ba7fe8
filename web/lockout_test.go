package web_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/idp/store"
	"github.com/fedgate/fedgate/idp/store/sqlite"
	"github.com/fedgate/fedgate/ldapauth"
	"github.com/fedgate/fedgate/web"
	"github.com/fedgate/fedgate/web/webtest"
)

const (
	familiarIP   = "10.0.0.5"
	unfamiliarIP = "198.51.100.7"
	alicePass    = "Alice-Passw0rd!"
	aliceKey     = "RW+aKiwLHUqeP11se4qfAQ==" // base64 objectGUID of the ldaptest alice
)

// adDirectory wraps the real directory client with Active Directory's own
// account lockout, which the in-process directory does not model: per
// account, bad passwords in a row (none more than reset apart, no good
// password between) reaching threshold lock the account (result 775 for
// every password from then on). It records the longest run it saw, so a
// test can prove extranet lockout keeps AD below its threshold.
type adDirectory struct {
	client    *ldapauth.Client
	now       func() time.Time
	threshold int
	reset     time.Duration

	mu     sync.Mutex
	run    map[string]int // account objectGUID → current badPwdCount
	last   map[string]time.Time
	locked map[string]bool
	maxRun int
	calls  int  // Authenticate calls, i.e. passwords sent to the directory
	outage bool // the directory fails after the account search (timeout)
}

func (a *adDirectory) Authenticate(ctx context.Context, username, password string) (*ldapauth.User, error) {
	a.mu.Lock()
	a.calls++
	outage := a.outage
	a.mu.Unlock()
	acct, lerr := a.client.Lookup(ctx, username)
	if outage {
		return nil, &ldapauth.Error{Reason: ldapauth.ReasonUnavailable, Err: fmt.Errorf("%w: bind timed out", ldapauth.ErrUnavailable)}
	}
	if lerr != nil {
		return a.client.Authenticate(ctx, username, password)
	}
	key := base64.StdEncoding.EncodeToString(acct.ObjectGUID)
	a.mu.Lock()
	if a.locked[key] {
		a.mu.Unlock()
		return nil, &ldapauth.Error{Reason: ldapauth.ReasonLockedOut, Err: ldapauth.ErrInvalidCredentials}
	}
	a.mu.Unlock()
	u, err := a.client.Authenticate(ctx, username, password)
	var le *ldapauth.Error
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err == nil:
		a.run[key] = 0
	case errors.As(err, &le) && le.Reason == ldapauth.ReasonBadPassword:
		now := a.now()
		if !now.Before(a.last[key].Add(a.reset)) {
			a.run[key] = 0
		}
		a.run[key]++
		a.last[key] = now
		a.maxRun = max(a.maxRun, a.run[key])
		if a.run[key] >= a.threshold {
			a.locked[key] = true
		}
	}
	return u, err
}

func (a *adDirectory) stats() (calls, maxRun int, locked bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls, a.maxRun, a.locked[aliceKey]
}

func (a *adDirectory) setOutage(v bool) {
	a.mu.Lock()
	a.outage = v
	a.mu.Unlock()
}

// directoryResolver keys accounts by base64 objectGUID, like
// cmd/internal/app.DirectoryResolver (which this package cannot import).
func directoryResolver(c *ldapauth.Client) lockout.Resolver {
	return lockout.ResolverFunc(func(ctx context.Context, username string) (string, bool, error) {
		u, err := c.Lookup(ctx, username)
		var le *ldapauth.Error
		if errors.As(err, &le) && (le.Reason == ldapauth.ReasonNoSuchUser || le.Reason == ldapauth.ReasonAmbiguousUser) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		return base64.StdEncoding.EncodeToString(u.ObjectGUID), true, nil
	})
}

// lockoutEnv is a testEnv whose directory enforces AD lockout (threshold
// 10, reset after 15 minutes: the Microsoft security baseline) and whose
// server runs extranet lockout with the default thresholds (4 + 4) and
// window (30m).
type lockoutEnv struct {
	*testEnv
	ad *adDirectory
}

func newLockoutEnv(t *testing.T, mode lockout.Mode) *lockoutEnv {
	t.Helper()
	var ad *adDirectory
	env := newTestEnv(t, func(c *web.Config) {
		client := c.Auth.(*ldapauth.Client)
		ad = &adDirectory{
			client: client, now: c.Now, threshold: 10, reset: 15 * time.Minute,
			run: map[string]int{}, last: map[string]time.Time{}, locked: map[string]bool{},
		}
		c.Auth = ad
		p, err := lockout.New(lockout.Config{
			Mode: mode, Store: c.Audit.(*sqlite.Store), Resolver: directoryResolver(client),
			Now: c.Now, Logger: c.Logger,
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Lockout = p
	})
	return &lockoutEnv{testEnv: env, ad: ad}
}

// browserFrom is a fresh cookie-keeping client whose requests the server
// sees as coming from ip. It does not follow redirects.
func (e *testEnv) browserFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	return e.newBrowserFrom(ip)
}

// newBrowserFrom is browserFrom for goroutines.
func (e *testEnv) newBrowserFrom(ip string) *http.Client {
	base := e.srv.Client()
	return &http.Client{
		Transport:     clientIPTransport{ip: ip, next: base.Transport},
		Jar:           e.newJar(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type clientIPTransport struct {
	ip   string
	next http.RoundTripper
}

func (c clientIPTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(testClientIPHeader, c.ip)
	return c.next.RoundTrip(r)
}

// password submits the sign-in form from ip and returns the next page.
func (e *lockoutEnv) password(t *testing.T, ip, user, pass string) *response {
	t.Helper()
	c := e.browserFrom(t, ip)
	r := e.get(t, c, signInQuery)
	return e.submit(t, c, r, "loginForm", map[string]string{"UserName": user, "Password": pass})
}

// tryPassword is password for goroutines: it returns errors instead of
// failing the test.
func (e *lockoutEnv) tryPassword(ctx context.Context, ip, user, pass string) (*response, error) {
	c := e.newBrowserFrom(ip)
	fetch := func(req *http.Request) (*response, error) {
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		page, err := webtest.Parse(string(b))
		return &response{status: resp.StatusCode, header: resp.Header, body: string(b), page: page}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+signInQuery, nil)
	if err != nil {
		return nil, err
	}
	r, err := fetch(req)
	if err != nil {
		return nil, err
	}
	f, err := r.page.Form("loginForm")
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, r.body)
	}
	f.Fields.Set("UserName", user)
	f.Fields.Set("Password", pass)
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+f.Action, strings.NewReader(f.Fields.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return fetch(req)
}

func refused(t *testing.T, r *response) {
	t.Helper()
	if r.page == nil || !r.page.Has("loginForm") || !strings.HasPrefix(r.page.Text("error"), "Incorrect user ID or password") {
		t.Fatalf("want the sign-in page with the wrong-password message, got %d: %s", r.status, r.body)
	}
}

func (e *lockoutEnv) lastAudit(t *testing.T) store.AuditEvent {
	t.Helper()
	events, err := e.store.ListAudit(t.Context(), time.Time{}, store.MaxAuditList)
	if err != nil || len(events) == 0 {
		t.Fatalf("ListAudit = %d events, %v", len(events), err)
	}
	return events[len(events)-1]
}

func (e *lockoutEnv) lockoutState(t *testing.T) lockout.State {
	t.Helper()
	st, _, err := e.store.GetLockout(t.Context(), aliceKey)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestLockout_UnfamiliarIPIsLockedWhileTheUserSignsInFromAFamiliarIP(t *testing.T) {
	env := newLockoutEnv(t, lockout.ModeEnforce)
	r, secret := env.enroll(t, env.browserFrom(t, familiarIP), "alice@contoso.com", alicePass)
	if !r.page.Has("autopost") {
		t.Fatalf("first sign-in from %s failed: %s", familiarIP, r.body)
	}
	// The attacker uses every spelling of the name; they share one budget.
	spellings := []string{"alice@contoso.com", `CONTOSO\alice`, "ALICE@contoso.com", "alice"}
	for i := range lockout.DefaultThreshold {
		calls, _, _ := env.ad.stats()
		refused(t, env.password(t, unfamiliarIP, spellings[i%len(spellings)], fmt.Sprintf("guess-%d", i)))
		if got, _, _ := env.ad.stats(); got != calls+1 {
			t.Fatalf("bad password %d did not reach the directory", i+1)
		}
	}
	// Locked: even the right password gets the wrong-password message and
	// the directory sees no bind at all.
	binds := env.dir.Binds()
	calls, _, _ := env.ad.stats()
	for _, ip := range []string{unfamiliarIP, "203.0.113.99"} {
		refused(t, env.password(t, ip, "alice@contoso.com", alicePass))
		if e := env.lastAudit(t); e.Result != "failure" || e.Reason != lockout.ReasonLockedUnfamiliar || e.ClientIP != ip {
			t.Fatalf("audit of the locked attempt = %+v", e)
		}
	}
	if got, _, _ := env.ad.stats(); got != calls || env.dir.Binds() != binds {
		t.Fatalf("locked attempts reached the directory: %d password checks, %d binds", got-calls, env.dir.Binds()-binds)
	}
	// Meanwhile alice signs in from her familiar IP, all the way to a token.
	env.clock.Add(time.Minute)
	c := env.browserFrom(t, familiarIP)
	r = env.get(t, c, signInQuery)
	r = env.submit(t, c, r, "loginForm", map[string]string{"UserName": "alice@contoso.com", "Password": alicePass})
	if !r.page.Has("mfaForm") {
		t.Fatalf("familiar IP refused during the attack: %s", r.body)
	}
	code, err := totp.GenerateCode(secret, env.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r = env.submit(t, c, r, "mfaForm", map[string]string{"code": code}); !r.page.Has("autopost") {
		t.Fatalf("familiar sign-in did not complete: %s", r.body)
	}
	// Her success does not give the attacker new guesses.
	refused(t, env.password(t, unfamiliarIP, "alice@contoso.com", alicePass))
	if e := env.lastAudit(t); e.Reason != lockout.ReasonLockedUnfamiliar {
		t.Fatalf("unfamiliar IP unlocked by a familiar success: %+v", e)
	}
	if _, _, locked := env.ad.stats(); locked {
		t.Fatal("AD locked alice")
	}
}

func TestLockout_ADLockoutIsNeverReached(t *testing.T) {
	env := newLockoutEnv(t, lockout.ModeEnforce)
	if r := env.password(t, familiarIP, "alice@contoso.com", alicePass); !r.page.Has("enrollForm") {
		t.Fatalf("first sign-in from %s failed: %s", familiarIP, r.body)
	}
	// A burst of simultaneous guesses: counting before the bind lets
	// exactly the threshold through.
	calls, _, _ := env.ad.stats()
	const burst = 12
	var wg sync.WaitGroup
	errs := make(chan error, burst)
	for i := range burst {
		wg.Go(func() {
			r, err := env.tryPassword(t.Context(), fmt.Sprintf("198.51.100.%d", i+1), "alice@contoso.com", fmt.Sprintf("burst-%d", i))
			if err == nil && !strings.HasPrefix(r.page.Text("error"), "Incorrect user ID or password") {
				err = fmt.Errorf("burst guess %d not refused: %s", i, r.body)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, _, _ := env.ad.stats(); got-calls != lockout.DefaultThreshold {
		t.Fatalf("%d of %d simultaneous guesses reached the directory, want %d", got-calls, burst, lockout.DefaultThreshold)
	}
	// Then hours of attack from rotating unfamiliar IPs every 2 minutes,
	// while alice mistypes at her desk every 7 minutes.
	for minute := range 6 * 60 {
		env.clock.Add(time.Minute)
		switch {
		case minute%7 == 3:
			refused(t, env.password(t, familiarIP, "alice@contoso.com", "typo"))
		case minute%2 == 0:
			refused(t, env.password(t, fmt.Sprintf("203.0.113.%d", minute%250+1), "alice", fmt.Sprintf("spray-%d", minute)))
		}
	}
	calls2, maxRun, locked := env.ad.stats()
	if locked || maxRun >= env.ad.threshold {
		t.Fatalf("AD lockout reached: longest run of bad passwords %d, threshold %d", maxRun, env.ad.threshold)
	}
	if maxRun > 2*lockout.DefaultThreshold {
		t.Fatalf("AD saw %d bad passwords in a row, want at most threshold + familiar threshold", maxRun)
	}
	t.Logf("%d passwords reached AD in 6 hours of attack; longest run %d (AD threshold %d)", calls2-calls, maxRun, env.ad.threshold)
}

func TestLockout_DirectoryOutageCountsNothing(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(env *lockoutEnv)
		want   string
	}{
		{"directory down", func(env *lockoutEnv) { _ = env.dir.Close() }, "directory could not be reached"},
		{"bind fails after the account search", func(env *lockoutEnv) { env.ad.setOutage(true) }, "directory could not be reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newLockoutEnv(t, lockout.ModeEnforce)
			tt.break_(env)
			for i := range 3 * lockout.DefaultThreshold {
				r := env.password(t, unfamiliarIP, "alice@contoso.com", fmt.Sprintf("guess-%d", i))
				if !strings.Contains(r.page.Text("error"), tt.want) {
					t.Fatalf("attempt %d: %s", i+1, r.body)
				}
				if e := env.lastAudit(t); e.Result != "error" || e.Reason != "unavailable" {
					t.Fatalf("audit = %+v, want result error, reason unavailable", e)
				}
			}
			if st := env.lockoutState(t); !st.IsZero() {
				t.Fatalf("lockout state after an outage = %+v, want nothing counted", st)
			}
			if _, maxRun, _ := env.ad.stats(); maxRun != 0 {
				t.Fatalf("AD counted %d bad passwords", maxRun)
			}
		})
	}
}

func TestLockout_LogOnlyReportsButNeverRefuses(t *testing.T) {
	env := newLockoutEnv(t, lockout.ModeLogOnly)
	for i := range lockout.DefaultThreshold + 2 {
		refused(t, env.password(t, unfamiliarIP, "alice@contoso.com", fmt.Sprintf("guess-%d", i)))
	}
	if r := env.password(t, unfamiliarIP, "alice@contoso.com", alicePass); !r.page.Has("enrollForm") {
		t.Fatalf("log-only mode refused the right password: %s", r.body)
	}
	events, err := env.store.ListAudit(t.Context(), time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var wouldLock int
	for _, e := range events {
		if e.Result == "lockout_log_only" && e.Reason == lockout.ReasonLockedUnfamiliar {
			wouldLock++
		}
	}
	if wouldLock != 3 {
		t.Fatalf("%d lockout_log_only audit events, want 3 (attempts 5, 6 and 7)", wouldLock)
	}
	if st := env.lockoutState(t); !st.Unfamiliar.IsZero() || len(st.FamiliarIPs) != 1 {
		t.Fatalf("state after a good password = %+v, want counters reset and the IP familiar", st)
	}
}

func TestLockout_UnknownUsersStoreNothing(t *testing.T) {
	env := newLockoutEnv(t, lockout.ModeEnforce)
	for i := range 2 * lockout.DefaultThreshold {
		refused(t, env.password(t, unfamiliarIP, fmt.Sprintf("nobody%d@contoso.com", i), "guess"))
	}
	if e := env.lastAudit(t); e.Reason != "no_such_user" {
		t.Fatalf("audit = %+v, want no_such_user", e)
	}
	// Every name was checked by the directory: nothing is locked for names
	// that match no account, and nothing is stored for them.
	if calls, _, _ := env.ad.stats(); calls != 2*lockout.DefaultThreshold {
		t.Fatalf("%d of %d unknown-user attempts reached the directory", calls, 2*lockout.DefaultThreshold)
	}
}
