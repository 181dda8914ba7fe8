// Package duration is the duration type of fedgate's YAML: Go syntax
// ("90s", "5m", "1h30m") optionally preceded by a whole number of days
// ("1d", "7d", "1d12h"; a day is 24h), like caddy.Duration and tailscale's
// tstime.ParseDuration.
//
// fedgate.yaml and fedgate-proxy.yaml (cmd/internal/config) and
// relying-party definitions (idp/rp, also kept in the store) all use this
// one type, so a value is read, refused and written back the same way
// wherever it appears.
//
// Parsing is bounded: at most 64 bytes of text and 3650 days, so no
// input can overflow time.Duration. Parse errors are *SyntaxError values
// whose text names the bad value and ends with [Hint]; they carry no
// package prefix because callers place them after a YAML path or a flag
// name ("token_lifetime: \"soon\" is not a valid duration; use …").
package duration
