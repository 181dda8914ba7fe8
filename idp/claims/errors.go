package claims

// FieldError is one problem with one setting of a rule list or access
// policy. ValidateRules and Access.Validate return these joined with
// errors.Join, so callers can prefix Field with their own path.
type FieldError struct {
	// Field is the YAML path below the relying party, such as
	// "claims[2].attribute" or "access.deny_groups[0]".
	Field string
	// Err says what is wrong and what is allowed.
	Err error
}

// Error formats the problem as "<field>: <problem>".
func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }
