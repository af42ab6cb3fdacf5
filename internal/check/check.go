// Package check builds the SDK's validation errors: a request that breaks a documented limit is
// refused before sending with a [*client.ValidationError] naming the wire field.
package check

import (
	"fmt"

	"github.com/wecom-connector/wecom/client"
)

// Invalid returns a validation error for the wire field.
func Invalid(field, format string, args ...any) error {
	return &client.ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Required returns a validation error when v is empty, else nil.
func Required(field, v string) error {
	if v == "" {
		return &client.ValidationError{Field: field, Reason: "required"}
	}
	return nil
}

// RequiredAll checks pairs of field name and value, in order, and returns the first failure.
func RequiredAll(fieldsAndValues ...string) error {
	for i := 0; i+1 < len(fieldsAndValues); i += 2 {
		if err := Required(fieldsAndValues[i], fieldsAndValues[i+1]); err != nil {
			return err
		}
	}
	return nil
}
