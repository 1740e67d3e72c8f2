package memory_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/request/requesttest"
)

func TestRequestsKeepTheRequestStoreContract(t *testing.T) {
	requesttest.Run(t, func(*testing.T) request.Store { return memory.NewRequests() })
}
