package config

import (
	"errors"
	"strconv"
	"strings"
)

// FieldError is one problem with one setting. Parse, Validate and
// ResolveSecrets return these joined with errors.Join; use [Problems] to
// list them. The message never contains a secret value.
type FieldError struct {
	// Path is the YAML path of the setting, such as "directory.urls[1]".
	Path string
	// Line is the line in the file, when known (decoding errors); 0
	// otherwise.
	Line int
	// Problem says what is wrong, such as `scheme "ldapx" is not supported`.
	Problem string
	// Hint says what is allowed or what to do instead.
	Hint string
	// Err is the underlying error, if any (for example a file read error).
	Err error
}

// Error formats the problem as "<path>: <problem> (line N); <hint>".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(e.Problem)
	if e.Line > 0 {
		b.WriteString(" (line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(')')
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// Problems flattens err (as returned by Parse, Load, Validate or
// ResolveSecrets) into its FieldErrors, in order. Errors that are not
// FieldErrors, such as YAML syntax errors, are not included.
func Problems(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		if fe, ok := err.(*FieldError); ok {
			out = append(out, fe)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			if inner := u.Unwrap(); inner != nil {
				walk(inner)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// problems collects FieldErrors for Validate and ResolveSecrets.
type problems struct{ errs []error }

func (p *problems) add(path, problem, hint string) {
	p.errs = append(p.errs, &FieldError{Path: path, Problem: problem, Hint: hint})
}

func (p *problems) addErr(path, problem string, err error, hint string) {
	p.errs = append(p.errs, &FieldError{Path: path, Problem: problem, Err: err, Hint: hint})
}

func (p *problems) err() error { return errors.Join(p.errs...) }
