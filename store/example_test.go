package store_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wecom-connector/wecom/store"
)

// SetNX makes a callback handled once: the first process to claim its dedupe key handles it.
func ExampleStore_SetNX() {
	s := store.NewMemory()
	ctx := context.Background()
	for _, delivery := range []string{"first", "retry"} {
		if ok, _ := s.SetNX(ctx, "dedupe:msg:123", []byte(delivery), time.Hour); ok {
			fmt.Println("handle", delivery)
		} else {
			fmt.Println("drop", delivery)
		}
	}
	// Output:
	// handle first
	// drop retry
}
