//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/job/jobtest"
	"github.com/parcelgate/parcelgate/internal/request"
	"github.com/parcelgate/parcelgate/internal/request/requesttest"
)

func TestStoreKeepsTheRequestStoreContract(t *testing.T) {
	requesttest.Run(t, func(t *testing.T) request.Store { return newStore(t).Requests })
}

func TestStoreKeepsTheJobStoreContract(t *testing.T) {
	jobtest.Run(t, func(t *testing.T) job.Store { return newStore(t).Jobs })
}
