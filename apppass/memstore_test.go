package apppass

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// memStore is an in-memory Store for the package's tests.
type memStore struct {
	mu   sync.Mutex
	recs []Record
	fail error
}

func (m *memStore) CreateAppPassword(_ context.Context, rec Record, max int) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return false, m.fail
	}
	n := 0
	for _, r := range m.recs {
		if r.ID == rec.ID {
			return false, errors.New("duplicate id")
		}
		if r.UserID == rec.UserID {
			n++
		}
	}
	if n >= max {
		return false, nil
	}
	m.recs = append(m.recs, rec)
	return true, nil
}

func (m *memStore) ListAppPasswords(_ context.Context, userID string) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	var out []Record
	for _, r := range m.recs {
		if r.UserID == userID {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memStore) DeleteAppPassword(_ context.Context, userID, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.recs, func(r Record) bool { return r.UserID == userID && r.ID == id })
	if i < 0 {
		return false, nil
	}
	m.recs = slices.Delete(m.recs, i, i+1)
	return true, nil
}

func (m *memStore) TouchAppPassword(_ context.Context, userID, id string, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.recs {
		if m.recs[i].UserID == userID && m.recs[i].ID == id {
			m.recs[i].LastUsedAt = at
			return true, nil
		}
	}
	return false, nil
}
