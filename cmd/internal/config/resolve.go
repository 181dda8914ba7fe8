package config

import (
	"strings"

	"github.com/fedgate/fedgate/internal/boundedfile"
)

// MaxSecretFileSize is the largest secret file ResolveSecrets reads, in
// bytes (64 KiB).
const MaxSecretFileSize = 64 << 10

// ResolveSecrets reads every secret given as a file (bind_password_file,
// seal_key_file, key_file, dsn_file) into its Secret field and clears the
// file field, so that Validate still passes afterwards and also checks
// the keys that came from files. Each file must be a regular file of at
// most MaxSecretFileSize bytes; trailing CR/LF characters are removed and
// the rest must not be empty. Keys (mfa.seal_key, session.key) must decode
// with [Secret.Key32].
//
// All problems are reported at once, joined with errors.Join. Errors name
// the YAML path and the file, never the content. Fields that fail keep
// their previous values.
func (c *Config) ResolveSecrets() error {
	var p problems
	resolveSecret(&p, "directory.bind_password", &c.Directory.BindPassword, &c.Directory.BindPasswordFile, false)
	resolveSecret(&p, "mfa.seal_key", &c.MFA.SealKey, &c.MFA.SealKeyFile, true)
	resolveSecret(&p, "session.key", &c.Session.Key, &c.Session.KeyFile, true)
	resolveSecret(&p, "store.dsn", &c.Store.DSN, &c.Store.DSNFile, false)
	return p.err()
}

func resolveSecret(p *problems, path string, value *Secret, file *string, isKey bool) {
	if *file == "" {
		return
	}
	filePath := path + "_file"
	if value.IsSet() {
		p.add(path, "is set together with "+lastSegment(filePath), "set exactly one of "+lastSegment(path)+" or "+lastSegment(filePath))
		return
	}
	data, err := boundedfile.Read(*file, MaxSecretFileSize)
	if err != nil {
		p.addErr(filePath, "cannot be read", err, "point it at a readable file of at most 64 KiB")
		return
	}
	s := strings.TrimRight(string(data), "\r\n")
	// Clear the copy we no longer need; the string remains until collected.
	clear(data)
	if s == "" {
		p.add(filePath, "file "+quote(*file)+" is empty", "write the secret into it")
		return
	}
	if isKey {
		if _, kerr := decodeKey32(s); kerr != nil {
			p.add(filePath, "file "+quote(*file)+" does not hold a valid key: the content "+kerr.problem, keyHint)
			return
		}
	}
	*value = Secret(s)
	*file = ""
}
