// Package storetest holds what the store ports' contract suites share:
// ids and tracking numbers no other test uses, so the suites can run
// side by side on one table.
package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/parcelgate/parcelgate/internal/carrier"
)

// ID is prefix followed by 12 random hex digits.
func ID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return prefix + hex.EncodeToString(b)
}

// InPostNumber is a random valid InPost number: numbers reach the stores
// identified, of a carrier.
func InPostNumber() string {
	for {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		n := "6"
		for _, d := range b {
			n += fmt.Sprintf("%02d", int(d)%100)
		}
		if c, _ := carrier.Detect(n[:24]); c == carrier.InPost {
			return n[:24]
		}
	}
}
