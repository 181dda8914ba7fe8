// Package postgres is the farm store: any number of fedgate nodes share one
// PostgreSQL database through github.com/jackc/pgx/v5 (pgxpool).
//
// Every single-use and counter operation is one INSERT … ON CONFLICT
// statement, atomic across nodes at the default READ COMMITTED isolation.
// Expiry is judged with the node's clock (store.WithNow), passed as a query
// parameter, never the server's now(), so it agrees with the node's mfa
// clock. Times are timestamptz (microsecond precision) and are returned in
// UTC.
//
// Schema migrations are embedded from migrations/NNNN_name.up.sql and
// applied by Open in one transaction under a transaction-scoped advisory
// lock, so nodes starting together migrate once. The schema is created in
// the first schema of the connection's search_path.
package postgres
