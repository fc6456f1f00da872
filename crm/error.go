package crm

import (
	"errors"
	"fmt"
)

// Error codes. One table at the edge (SMS, email, HTTP, CLI) maps each code to
// what a person is told; inside, every refusal carries one of these.
const (
	EINVALID   = "invalid"   // the input breaks a rule; Message says which and the right form
	ENOTFOUND  = "not_found" // no such record (or none the actor may see)
	ECONFLICT  = "conflict"  // clashes with the stored state (duplicate, stale undo, finished record)
	EFORBIDDEN = "forbidden" // the actor's access level does not allow it
	EAMBIGUOUS = "ambiguous" // a name matched several records; Choices lists them
	EINTERNAL  = "internal"  // a fault of ours; details are logged, not shown
)

// Error is a refusal from crm with a code, a short message fit for an SMS and,
// where it helps, the right form.
type Error struct {
	Code    string
	Message string
	Hint    string      // the right form, e.g. "OPP #42 lost <competitor>; <reason>"
	Choices []Candidate // with EAMBIGUOUS: the ranked candidates

	// Format and Args are what Message was made of: the edge words the
	// refusal in the reader's language from them (templates.Refusal).
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Hint != "" {
		return fmt.Sprintf("crm %s: %s (%s)", e.Code, e.Message, e.Hint)
	}
	return fmt.Sprintf("crm %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// withHint returns e with the right form attached.
func (e *Error) withHint(h string) *Error { e.Hint = h; return e }

// ErrorCode returns the code of err: the code of an *Error in its chain,
// EINTERNAL for any other error, "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of an *Error in err's chain, or a generic
// message for internal errors (whose details must not reach a phone).
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
