package app

import (
	"log/slog"

	"github.com/fedgate/fedgate/cmd/internal/config"
	"github.com/fedgate/fedgate/ldapauth"
)

// OpenDirectory returns the directory client Build would make from d, for
// admin subcommands (`fedgate lockout`) that need the directory and the
// store but not the whole service. Like Build it performs no network I/O;
// close the client when done.
func OpenDirectory(d config.Directory, log *slog.Logger) (*ldapauth.Client, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return openDirectory(d, log)
}
