package proxytrusttest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/fedgate/fedgate/proxytrust"
)

// Store is an in-memory proxytrust.Store. It is safe for concurrent use.
// UseOnce expiry is judged against Now, like the database stores judge it
// against their own clock. Err, when set, is returned by every method
// (to test fail-closed behaviour).
type Store struct {
	// Now is the store's clock. Default time.Now.
	Now func() time.Time

	mu          sync.Mutex
	err         error
	enrollments map[string]proxytrust.Enrollment
	used        map[string]time.Time
	issued      map[string]proxytrust.Issued
	revoked     map[string]time.Time
	lookups     int // IsRevoked calls
}

var _ proxytrust.Store = (*Store)(nil)

// NewStore returns an empty Store using now (nil = time.Now).
func NewStore(now func() time.Time) *Store {
	return &Store{
		Now: now, enrollments: map[string]proxytrust.Enrollment{}, used: map[string]time.Time{},
		issued: map[string]proxytrust.Issued{}, revoked: map[string]time.Time{},
	}
}

// SetError makes every later call fail with err (nil restores).
func (s *Store) SetError(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// Lookups returns how many times IsRevoked has been called.
func (s *Store) Lookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookups
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CreateEnrollment implements proxytrust.Store.
func (s *Store) CreateEnrollment(_ context.Context, e proxytrust.Enrollment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if _, ok := s.enrollments[e.TokenHash]; ok {
		return errors.New("proxytrusttest: duplicate enrollment")
	}
	s.enrollments[e.TokenHash] = e
	return nil
}

// GetEnrollment implements proxytrust.Store.
func (s *Store) GetEnrollment(_ context.Context, hash string) (proxytrust.Enrollment, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return proxytrust.Enrollment{}, false, s.err
	}
	e, ok := s.enrollments[hash]
	return e, ok, nil
}

// UseOnce implements proxytrust.Store.
func (s *Store) UseOnce(_ context.Context, kind, id string, until time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false, s.err
	}
	k := kind + "\x00" + id
	if exp, ok := s.used[k]; ok && exp.After(s.now()) {
		return false, nil
	}
	s.used[k] = until
	return true, nil
}

// RecordIssued implements proxytrust.Store.
func (s *Store) RecordIssued(_ context.Context, c proxytrust.Issued) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if _, ok := s.issued[c.Serial]; ok {
		return fmt.Errorf("proxytrusttest: duplicate serial %s", c.Serial)
	}
	c.RevokedAt = time.Time{}
	s.issued[c.Serial] = c
	return nil
}

// ListIssued implements proxytrust.Store.
func (s *Store) ListIssued(context.Context) ([]proxytrust.Issued, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	out := make([]proxytrust.Issued, 0, len(s.issued))
	for _, c := range s.issued {
		c.RevokedAt = s.revoked[c.Serial]
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].IssuedAt.Equal(out[j].IssuedAt) {
			return out[i].IssuedAt.Before(out[j].IssuedAt)
		}
		return out[i].Serial < out[j].Serial
	})
	return out, nil
}

// Revoke implements proxytrust.Store.
func (s *Store) Revoke(_ context.Context, serial string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if _, ok := s.revoked[serial]; !ok {
		s.revoked[serial] = at.UTC()
	}
	return nil
}

// IsRevoked implements proxytrust.Store.
func (s *Store) IsRevoked(_ context.Context, serial string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lookups++
	if s.err != nil {
		return false, s.err
	}
	_, ok := s.revoked[serial]
	return ok, nil
}
