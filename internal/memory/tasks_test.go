package memory_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/memory"
	"github.com/parcelgate/parcelgate/internal/task"
	"github.com/parcelgate/parcelgate/internal/task/tasktest"
)

func TestTasksContract(t *testing.T) {
	tasktest.Run(t, func(*testing.T) task.Store { return &memory.Tasks{} })
}
