// Package logging builds the process logger of the fedgate binaries: a
// log/slog handler chain that is injected everywhere (there is no package
// logger).
//
// [New] returns a logger whose records pass through, in order:
//
//	ContextHandler   adds the attributes stored in the context with
//	                 WithAttrs / WithActivityID (request_id, activity_id,
//	                 client_ip), so call sites use the …Context methods
//	RedactHandler    replaces the value of any attribute whose key names a
//	                 credential (password, secret, token, cookie, …) with
//	                 "[redacted]", at any group depth
//	JSON or text     the standard library handler writing to the output
//
// Redaction is a safety net for keys; it cannot see inside struct values
// logged with slog.Any, so credential types must also implement
// slog.LogValuer (as config.Secret does). [NewExcludeHandler] drops
// attributes instead, for PII keys an operator does not want logged.
package logging
