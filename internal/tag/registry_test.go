package tag_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
)

// TestTablesAreOfRegisteredCarriers: a table under a code the carrier
// registry does not know would never be used.
func TestTablesAreOfRegisteredCarriers(t *testing.T) {
	for _, m := range tag.Mappings() {
		if m.Carrier == "" {
			continue
		}
		if _, ok := carrier.Lookup(carrier.Carrier(m.Carrier)); !ok {
			t.Errorf("mapping %+v: carrier %q is not in the registry", m, m.Carrier)
		}
	}
}
