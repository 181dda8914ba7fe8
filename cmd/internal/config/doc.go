// Package config describes, decodes and validates the YAML configuration
// file of `fedgate serve` (and `check-config`, which runs the same path).
//
// The package only deals with the file: it reads the configuration file
// itself and, in [Config.ResolveSecrets], the secret files it names. It
// opens no sockets and loads no certificates; cmd/fedgate maps the plain
// values produced here onto the library configurations (ldapauth, mfa,
// idp/…) and performs file checks such as "does the key match the
// certificate" or "does the SP metadata parse" in its build step. The
// only library types it embeds are the relying-party schema shared with
// the store (rp.Definition, claims.Rule, claims.Access), whose pure
// validation it runs with YAML paths prefixed.
//
// The pipeline is:
//
//	Load(path)        read at most MaxFileSize bytes, then Parse
//	Parse(data)       Default(), then a strict decode: unknown keys,
//	                  repeated keys and values of the wrong type are errors
//	                  naming the YAML path and line; removed keys carry a
//	                  migration hint
//	Validate()        pure; reports every problem at once with errors.Join,
//	                  each as "<yaml.path>: <problem>; <what is allowed>"
//	ResolveSecrets()  reads the *_file secrets into their Secret fields
//
// Every secret is held in a [Secret], whose fmt, slog, YAML, JSON and text
// forms are "[redacted]", so a whole Config can be logged or printed without
// leaking credentials. Secrets come in value/file pairs (bind_password /
// bind_password_file); exactly one of the two may be set.
//
// Durations ([Duration]) accept Go syntax ("90s", "1h30m") plus a leading
// day count ("1d", "7d", "1d12h").
package config
