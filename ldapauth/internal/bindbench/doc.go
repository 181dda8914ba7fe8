// Package bindbench measures how many sign-ins per second go through
// ldapauth's pools next to how many raw go-ldap binds per second the same
// directory answers, plus what a dial (TCP + TLS) per bind costs. The
// ldapauth Benchmark functions and `make bench` (cmd bindratio) share it,
// so both measure the same thing:
//
//	PooledWithoutGroups  Client.Authenticate under WithoutGroups: user search
//	                     and bind, the sign-in for a relying party whose
//	                     rules use no groups (Office 365 by default)
//	Pooled               the same plus the group lookup (Config.GroupLookup)
//	RawBind              conn.Bind(userDN, password) on an open connection
//	DialPerBind          dial, TLS handshake, bind, close, as pool-less
//	                     clients do
//
// Every measurement runs b.RunParallel with the default parallelism, so
// pooled and raw numbers see the same concurrency. The goal is
// PooledWithoutGroups / RawBind >= 0.8 against a real DC, where a bind
// costs far more than a search; against the in-process ldaptest directory
// a bind is as cheap as a search, so that ratio mostly counts round trips.
package bindbench
