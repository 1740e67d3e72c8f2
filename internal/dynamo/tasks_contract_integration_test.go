//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/task"
	"github.com/parcelgate/parcelgate/internal/task/tasktest"
)

func TestTasksContract(t *testing.T) {
	s := newStore(t)
	tasktest.Run(t, func(*testing.T) task.Store { return s.Tasks })
}
