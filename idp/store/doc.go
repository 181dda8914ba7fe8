// Package store defines fedgate's persistent state: the record types, the
// sentinel errors and the Store interface that the sqlite (embedded default)
// and postgres (farm) backends implement.
//
// Store is composed of small role interfaces so that consumers depend only on
// what they use: mfa.Store (owned by package mfa: TOTP enrollments, UseOnce
// single-use records, failure counters), lockout.Store (owned by package
// idp/lockout: extranet lockout state per account), proxytrust.Store (owned
// by package proxytrust: enrollment tokens, issued proxy certificates and
// revocations), RelyingParties (relying-party trusts added at run time,
// with a version counter nodes poll), Auditor (sign-in audit events) and
// Collector (expiry). Every backend runs the same conformance suite,
// idp/store/storetest, and several processes may share one database: that is
// how a farm of fedgate nodes shares replay records and lockout counters.
//
// Conventions shared by the backends:
//
//   - Times are stored in UTC with microsecond precision (PostgreSQL's
//     timestamptz resolution) and come back in time.UTC.
//   - Single-use and counter updates are single atomic statements
//     (INSERT … ON CONFLICT), never a read followed by a write. Lockout
//     state, whose transitions are decided in Go, is read, changed and
//     written inside one transaction that holds a per-key lock (SQLite's
//     write lock; a PostgreSQL transaction-scoped advisory lock).
//   - Expiry of UseOnce records is judged by the store's clock (WithNow,
//     default time.Now), taken from the calling node rather than the
//     database server, so it agrees with the node's other clocks.
//   - Keys and record fields are size-limited and must be valid UTF-8
//     without NUL bytes; violations are errors naming the field and limit.
//   - Schema migrations are embedded per dialect and applied at Open in one
//     transaction, recorded in a schema_version table. A database newer than
//     the binary is refused.
package store
