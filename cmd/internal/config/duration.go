package config

import (
	"fmt"

	"github.com/fedgate/fedgate/internal/duration"
)

// Duration is a time.Duration written in YAML as a string: Go syntax
// ("90s", "5m", "1h30m") optionally preceded by a whole number of days
// ("1d", "7d", "1d12h"; a day is 24h). Negative values, bare numbers
// without a unit (other than 0) and values above 3650 days are refused.
// It is [duration.Duration], the type relying-party definitions use too.
type Duration = duration.Duration

// durationHint is the "what is allowed" half of duration errors.
const durationHint = duration.Hint

// ParseDuration parses a duration in the syntax described at [Duration].
// Errors are prefixed "config: ".
func ParseDuration(s string) (Duration, error) {
	d, err := duration.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("config: %w", err)
	}
	return d, nil
}
