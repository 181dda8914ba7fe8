package o365

import "time"

// defaultReplayLimit bounds the replay cache. At the limit, expired entries
// are purged; if it is still full the token is refused (fail closed) rather
// than forgetting an assertion that could then be replayed.
const defaultReplayLimit = 100_000

// markUsed records the assertion until forgetAfter, atomically with the
// check, and fails if it is already recorded. It runs only after every other check has
// passed, so unsigned or rejected tokens never occupy the cache.
func (c *Checker) markUsed(issuer, assertionID string, forgetAfter, now time.Time) error {
	key := issuer + "\x00" + assertionID
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make(map[string]time.Time)
	}
	if until, ok := c.seen[key]; ok && now.Before(until) {
		return reject(nil, "assertion %s was already used (replay); Entra accepts each AssertionID once", q(assertionID))
	}
	limit := c.replayLimit
	if limit <= 0 {
		limit = defaultReplayLimit
	}
	if len(c.seen) >= limit {
		for k, until := range c.seen {
			if !now.Before(until) {
				delete(c.seen, k)
			}
		}
		if len(c.seen) >= limit {
			return reject(nil, "replay cache is full (%d unexpired assertions); refusing rather than forgetting one", limit)
		}
	}
	c.seen[key] = forgetAfter
	return nil
}
