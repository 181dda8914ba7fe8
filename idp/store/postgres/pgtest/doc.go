// Package pgtest gives tests a real PostgreSQL: the server named by
// FEDGATE_PG_DSN, or else a throwaway cluster started with initdb and pg_ctl
// on a random loopback port in a temporary directory, stopped and removed in
// t.Cleanup. Each test then works in a fresh schema of its own.
//
// When neither is possible (no server binaries, no postgres user to run them
// as root) the test is skipped with the reason, unless CI=true, where it
// fails: CI must not pass by skipping the farm backend.
//
// Server binaries are looked up in FEDGATE_PG_BIN, then the newest
// /usr/lib/postgresql/*/bin, then PATH. As root, the cluster runs as the
// postgres user through su, because initdb refuses to run as root.
package pgtest
