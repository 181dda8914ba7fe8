package ldapauth

import (
	"sync"
	"time"
)

// Group SID resolution cache. A group's DN changes only when the group is
// renamed or moved, and tokenGroups is read live at every sign-in, so
// membership itself is never cached: only the SID -> DN translation is,
// as Windows' LSA lookup cache does. A renamed group shows its old DN for
// at most sidCacheTTL.
const (
	sidCacheTTL = 5 * time.Minute
	// sidCacheMax bounds memory; a domain rarely has more groups in use.
	sidCacheMax = 8192
)

// sidEntry is one cached translation; found is false for SIDs with no
// entry under BaseDN (well-known SIDs, other domains), so they are not
// searched again on every sign-in either.
type sidEntry struct {
	dn      string
	found   bool
	expires time.Time
}

// sidCache maps binary SIDs (as strings) to DNs. Safe for concurrent use.
type sidCache struct {
	mu      sync.Mutex
	entries map[string]sidEntry
}

func newSIDCache() *sidCache { return &sidCache{entries: map[string]sidEntry{}} }

// get returns the cached translation of sid at now.
func (c *sidCache) get(sid []byte, now time.Time) (e sidEntry, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok = c.entries[string(sid)]
	if ok && !now.Before(e.expires) {
		delete(c.entries, string(sid))
		return sidEntry{}, false
	}
	return e, ok
}

// put caches a translation until now+sidCacheTTL. When the cache is full
// it first drops expired entries and, if that is not enough, everything.
func (c *sidCache) put(sid []byte, dn string, found bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= sidCacheMax {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= sidCacheMax {
			clear(c.entries)
		}
	}
	c.entries[string(sid)] = sidEntry{dn: dn, found: found, expires: now.Add(sidCacheTTL)}
}
