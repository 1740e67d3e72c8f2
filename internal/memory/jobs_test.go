package memory_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/job/jobtest"
	"github.com/parcelgate/parcelgate/internal/memory"
)

func TestJobsKeepTheJobStoreContract(t *testing.T) {
	jobtest.Run(t, func(*testing.T) job.Store { return memory.NewJobs() })
}
