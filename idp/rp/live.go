package rp

import (
	"fmt"
	"sync/atomic"
)

// Live is a Registry that can be replaced while requests read it: each
// read uses whichever Registry was current when it started, and Swap
// makes a new one current for every later read. Relying-party trusts added
// or removed at run time (package idp/rp/rpsync) reach the protocol
// handlers this way without a restart. It has the read methods of
// Registry, so a handler can depend on either.
//
// The zero value is ready and empty: every Lookup fails with
// ErrUnknownParty until the first Swap. Live is safe for concurrent use.
type Live struct {
	cur atomic.Pointer[Registry]
}

// NewLive returns a Live whose current registry is r (nil: empty).
func NewLive(r *Registry) *Live {
	l := &Live{}
	l.Swap(r)
	return l
}

// Swap makes r the current registry and returns the previous one (nil if
// there was none). A nil r empties the trust list, which fails closed:
// nothing is issued to anyone.
func (l *Live) Swap(r *Registry) *Registry {
	return l.cur.Swap(r)
}

// Registry returns the current registry, or nil before the first Swap.
// Use it when several reads must see the same set of parties.
func (l *Live) Registry() *Registry {
	return l.cur.Load()
}

// Lookup is Registry.Lookup on the current registry.
func (l *Live) Lookup(identifier string) (*Party, error) {
	if r := l.cur.Load(); r != nil {
		return r.Lookup(identifier)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownParty, identifier)
}

// Parties is Registry.Parties on the current registry.
func (l *Live) Parties() []*Party {
	if r := l.cur.Load(); r != nil {
		return r.Parties()
	}
	return nil
}

// IsReplyURL is Registry.IsReplyURL on the current registry.
func (l *Live) IsReplyURL(u string) bool {
	if r := l.cur.Load(); r != nil {
		return r.IsReplyURL(u)
	}
	return false
}
