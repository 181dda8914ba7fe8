package msonline

import (
	"container/list"
	"sync"
	"time"
)

const (
	// pendingTTL is how long a wctx stays valid: the time a person has to
	// finish signing in at the IdP.
	pendingTTL = 15 * time.Minute
	// pendingLimit bounds the pending sign-ins kept in memory. At the limit
	// the oldest is dropped: anyone can start sign-ins, so refusing new ones
	// would let a client lock everyone out.
	pendingLimit = 10_000
)

// pendingSignIn is a home-realm discovery that sent the browser to an IdP.
type pendingSignIn struct {
	wctx    string // the wctx, or the RelayState of a SAML 2.0 sign-in
	login   string
	expires time.Time
	// requestID is the SAML AuthnRequest ID the response must answer; ""
	// for a WS-Federation sign-in.
	requestID string
}

// pendingStore holds the wctx values this site issued, each usable once.
type pendingStore struct {
	mu    sync.Mutex
	byCtx map[string]*list.Element // of *pendingSignIn
	order *list.List               // oldest first; all entries share one TTL
	limit int
}

func newPendingStore(limit int) *pendingStore {
	return &pendingStore{byCtx: make(map[string]*list.Element), order: list.New(), limit: limit}
}

// add records wctx for login until now + pendingTTL, dropping expired
// entries and, at the limit, the oldest ones.
func (p *pendingStore) add(wctx, login string, now time.Time) {
	p.addRequest(wctx, login, "", now)
}

// addRequest is add for a SAML 2.0 sign-in: key is the RelayState and
// requestID the AuthnRequest ID sent with it.
func (p *pendingStore) addRequest(wctx, login, requestID string, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for front := p.order.Front(); front != nil; front = p.order.Front() {
		ps := front.Value.(*pendingSignIn)
		if now.Before(ps.expires) && p.order.Len() < p.limit {
			break
		}
		p.order.Remove(front)
		delete(p.byCtx, ps.wctx)
	}
	p.byCtx[wctx] = p.order.PushBack(&pendingSignIn{wctx: wctx, login: login, requestID: requestID, expires: now.Add(pendingTTL)})
}

// take consumes wctx: it reports the login it was issued for, and false if
// wctx is unknown, already used or expired.
func (p *pendingStore) take(wctx string, now time.Time) (login string, ok bool) {
	ps, ok := p.takeRequest(wctx, now)
	return ps.login, ok
}

// takeRequest consumes wctx (or a RelayState) and returns what was recorded.
func (p *pendingStore) takeRequest(wctx string, now time.Time) (pendingSignIn, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	el, found := p.byCtx[wctx]
	if !found {
		return pendingSignIn{}, false
	}
	p.order.Remove(el)
	delete(p.byCtx, wctx)
	ps := el.Value.(*pendingSignIn)
	if !now.Before(ps.expires) {
		return pendingSignIn{}, false
	}
	return *ps, true
}
