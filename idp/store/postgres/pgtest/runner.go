package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
)

// runas runs the server binaries as a non-root user: the current user, or
// postgres through su when running as root.
type runas struct {
	uid, gid int    // owner for the data directory; -1 when not root
	su       string // user to su to; "" to run directly
}

func runner() (runas, error) {
	if os.Geteuid() != 0 {
		return runas{uid: -1, gid: -1}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return runas{}, errors.New("running as root and there is no postgres user to run initdb as")
	}
	if _, err := exec.LookPath("su"); err != nil {
		return runas{}, errors.New("running as root and su is not available to run initdb as postgres")
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return runas{}, fmt.Errorf("postgres user has non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	return runas{uid: uid, gid: gid, su: "postgres"}, nil
}

// own hands dir to the server user.
func (r runas) own(dir string) error {
	if r.uid < 0 {
		return nil
	}
	if err := os.Chown(dir, r.uid, r.gid); err != nil {
		return fmt.Errorf("chown %s to postgres: %w", dir, err)
	}
	return nil
}

// run runs name with args and returns the combined output.
func (r runas) run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	var cmd *exec.Cmd
	if r.su == "" {
		cmd = exec.CommandContext(ctx, name, args...)
	} else {
		words := make([]string, 0, len(args)+1)
		for _, w := range append([]string{name}, args...) {
			words = append(words, shellQuote(w))
		}
		cmd = exec.CommandContext(ctx, "su", r.su, "-s", "/bin/sh", "-c", strings.Join(words, " "))
	}
	cmd.Dir = os.TempDir()
	return cmd.CombinedOutput()
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
