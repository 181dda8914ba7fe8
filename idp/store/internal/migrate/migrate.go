// Package migrate loads the embedded, per-dialect schema migrations of the
// store backends. Applying them is dialect-specific and lives in each
// backend; this package only parses and orders the files.
package migrate

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
)

// MaxFileSize bounds one migration file.
const MaxFileSize = 1 << 20

// Migration is one NNNN_name.up.sql file.
type Migration struct {
	Version int
	Name    string // file name
	SQL     string
}

var fileName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.up\.sql$`)

// Load reads every *.up.sql file in dir of fsys. Versions must run 1, 2, 3, …
// without gaps or duplicates; any other file in dir is an error, so a
// misnamed migration cannot be silently skipped.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", dir, err)
	}
	var out []Migration
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			return nil, fmt.Errorf("migrate: %s/%s: want files named NNNN_name.up.sql", dir, e.Name())
		}
		v, _ := strconv.Atoi(m[1]) // four digits: cannot fail
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("migrate: %s: %w", e.Name(), err)
		}
		if info.Size() > MaxFileSize {
			return nil, fmt.Errorf("migrate: %s is %d bytes, at most %d allowed", e.Name(), info.Size(), MaxFileSize)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrate: %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrate: %s: version %d, want %d (versions start at 1 without gaps or duplicates)", m.Name, m.Version, i+1)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("migrate: no migrations in %s", dir)
	}
	return out, nil
}

// Pending returns the migrations after version current. It fails when the
// database is newer than the newest migration: an older binary must not run
// against a schema it does not know.
func Pending(all []Migration, current int) ([]Migration, error) {
	latest := all[len(all)-1].Version
	if current > latest {
		return nil, fmt.Errorf("migrate: database schema version %d is newer than this binary supports (%d); upgrade fedgate", current, latest)
	}
	if current < 0 {
		return nil, fmt.Errorf("migrate: database schema version %d is invalid", current)
	}
	return all[current:], nil
}
