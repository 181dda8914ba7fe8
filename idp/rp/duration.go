package rp

import "github.com/fedgate/fedgate/internal/duration"

// Duration is a time.Duration written in YAML as Go syntax ("90s",
// "1h30m") with an optional leading day count ("1d", "1d12h"). It is
// [duration.Duration], the type of every duration in fedgate.yaml, so a
// definition's token_lifetime reads the same in the file and in the store.
type Duration = duration.Duration
