// Package sqlite is the embedded default store: one SQLite file, through the
// pure-Go modernc.org/sqlite driver (no cgo).
//
// The database runs in WAL mode with synchronous=NORMAL, a busy timeout and
// foreign keys on. All statements of one Store share a single connection,
// which serialises writers inside the process (SQLite allows one writer at a
// time anyway) and keeps every transaction IMMEDIATE; separate processes or
// Store values on the same file coordinate through SQLite's file locks and
// the busy timeout. The file is created 0600: it holds sealed MFA seeds and
// the audit trail.
//
// Schema migrations are embedded from migrations/NNNN_name.up.sql and
// applied by Open in one transaction, recorded in schema_version.
package sqlite
