package lockout_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fedgate/fedgate/idp/lockout"
	"github.com/fedgate/fedgate/internal/testclock"
)

// memStore is a lockout.Store in memory: UpdateLockout runs fn under one
// mutex, the same contract the database backends keep per key.
type memStore struct {
	mu     sync.Mutex
	m      map[string]lockout.State
	err    error // returned by every call when set
	writes int
}

var _ lockout.Store = (*memStore)(nil)

func newMemStore() *memStore { return &memStore{m: map[string]lockout.State{}} }

func (s *memStore) GetLockout(_ context.Context, key string) (lockout.State, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return lockout.State{}, false, s.err
	}
	st, ok := s.m[key]
	return st.Clone(), ok, nil
}

func (s *memStore) UpdateLockout(_ context.Context, key string, fn func(lockout.State) (lockout.State, error)) (lockout.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return lockout.State{}, s.err
	}
	next, err := fn(s.m[key].Clone())
	if err != nil {
		return lockout.State{}, err
	}
	s.writes++
	if next.IsZero() {
		delete(s.m, key)
	} else {
		s.m[key] = next.Clone()
	}
	return next, nil
}

// ListLockouts sorts like the database backends: newest failure first,
// then by key.
func (s *memStore) ListLockouts(_ context.Context, limit int) ([]lockout.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	if limit < 1 || limit > lockout.MaxList {
		return nil, errors.New("limit out of range")
	}
	out := make([]lockout.Entry, 0, len(s.m))
	for k, st := range s.m {
		out = append(out, lockout.Entry{Key: k, State: st.Clone()})
	}
	slices.SortFunc(out, func(a, b lockout.Entry) int {
		la, _ := a.State.LastFailure()
		lb, _ := b.State.LastFailure()
		if c := lb.Compare(la); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out[:min(limit, len(out))], nil
}

func (s *memStore) state(t *testing.T, key string) lockout.State {
	t.Helper()
	st, _, err := s.GetLockout(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// accounts resolves every spelling of a name to one key, like
// DirectoryResolver does with the objectGUID.
type accounts struct {
	err   error
	calls atomic.Int32
}

func (a *accounts) ResolveUser(_ context.Context, username string) (string, bool, error) {
	a.calls.Add(1)
	if a.err != nil {
		return "", false, a.err
	}
	name := strings.ToLower(username)
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		name = name[i+1:]
	}
	name, _, _ = strings.Cut(name, "@")
	switch name {
	case "alice", "bob":
		return "key-" + name, true, nil
	}
	return "", false, nil
}

type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)) }

type env struct {
	p     *lockout.Policy
	store *memStore
	users *accounts
	clock *clock
}

func newEnv(t *testing.T, mutate ...func(*lockout.Config)) *env {
	t.Helper()
	e := &env{store: newMemStore(), users: &accounts{}, clock: newClock()}
	cfg := lockout.Config{
		Mode: lockout.ModeEnforce, Threshold: 3, FamiliarThreshold: 5, ObservationWindow: 30 * time.Minute,
		Store: e.store, Resolver: e.users, Now: e.clock.Now,
	}
	for _, f := range mutate {
		f(&cfg)
	}
	var err error
	if e.p, err = lockout.New(cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// outcome is what the directory says about one attempt.
type outcome int

const (
	badPassword outcome = iota
	goodPassword
	unavailable
)

// attempt runs Check and, when allowed, reports outcome the way the web
// layer does. It returns the decision.
func (e *env) attempt(t *testing.T, user, ip string, o outcome) lockout.Decision {
	t.Helper()
	d, err := e.p.Check(t.Context(), user, ip)
	if err != nil {
		t.Fatalf("Check(%s, %s): %v", user, ip, err)
	}
	if !d.Allowed {
		return d
	}
	switch o {
	case badPassword:
		err = e.p.Failure(t.Context(), d)
	case goodPassword:
		err = e.p.Success(t.Context(), d)
	case unavailable:
		err = e.p.Release(t.Context(), d)
	}
	if err != nil {
		t.Fatalf("recording outcome %d: %v", o, err)
	}
	return d
}

var errBoom = errors.New("boom")
