package ldapauth

// WaitForProbes waits until the background DC probes started so far have
// finished, so black-box failover tests need no sleeps.
func WaitForProbes(c *Client) { c.probes.Wait() }
