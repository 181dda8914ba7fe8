package mfa_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fedgate/fedgate/internal/testclock"
	"github.com/fedgate/fedgate/mfa"
)

// memStore is an in-memory mfa.Store following the documented contract,
// judging expiry with the test clock. The real backends are held to the same
// contract by idp/store/storetest.
type memStore struct {
	now func() time.Time

	mu       sync.Mutex
	totp     map[string]mfa.TOTPRecord
	used     map[string]time.Time // kind|id → until
	failures map[string]failure   // kind|key
	adds     int                  // AddFailure calls
}

type failure struct {
	count int
	end   time.Time
}

var _ mfa.Store = (*memStore)(nil)

func newMemStore(now func() time.Time) *memStore {
	return &memStore{
		now:      now,
		totp:     map[string]mfa.TOTPRecord{},
		used:     map[string]time.Time{},
		failures: map[string]failure{},
	}
}

func (m *memStore) GetTOTP(_ context.Context, userID string) (mfa.TOTPRecord, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.totp[userID]
	rec.SealedSecret = slices.Clone(rec.SealedSecret)
	return rec, ok, nil
}

func (m *memStore) CreateTOTP(_ context.Context, rec mfa.TOTPRecord) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.totp[rec.UserID]; ok {
		return false, nil
	}
	rec.SealedSecret = slices.Clone(rec.SealedSecret)
	rec.CreatedAt = rec.CreatedAt.UTC()
	m.totp[rec.UserID] = rec
	return true, nil
}

func (m *memStore) ReplaceTOTP(_ context.Context, rec mfa.TOTPRecord) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.totp[rec.UserID]; !ok {
		return false, nil
	}
	rec.SealedSecret = slices.Clone(rec.SealedSecret)
	rec.CreatedAt = rec.CreatedAt.UTC()
	m.totp[rec.UserID] = rec
	return true, nil
}

func (m *memStore) DeleteTOTP(_ context.Context, userID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.totp[userID]
	delete(m.totp, userID)
	return ok, nil
}

func (m *memStore) ListTOTP(context.Context) ([]mfa.TOTPRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]mfa.TOTPRecord, 0, len(m.totp))
	for _, r := range m.totp {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b mfa.TOTPRecord) int { return strings.Compare(a.UserID, b.UserID) })
	return out, nil
}

func (m *memStore) UseOnce(_ context.Context, kind, id string, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := kind + "|" + id
	if u, ok := m.used[k]; ok && u.After(m.now()) {
		return false, nil
	}
	m.used[k] = until
	return true, nil
}

func (m *memStore) AddFailure(_ context.Context, kind, key string, now time.Time, window time.Duration) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.adds++
	k := kind + "|" + key
	f, ok := m.failures[k]
	if !ok || !now.Before(f.end) {
		f = failure{end: now.Add(window)}
	}
	f.count++
	m.failures[k] = f
	return f.count, nil
}

func (m *memStore) ResetFailures(_ context.Context, kind, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.failures, kind+"|"+key)
	return nil
}

// put overwrites a record, bypassing CreateTOTP (to simulate tampering).
func (m *memStore) put(rec mfa.TOTPRecord) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.totp[rec.UserID] = rec
}

func (m *memStore) addFailureCalls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.adds
}

// clock is a settable test clock.
type clock = testclock.Clock
