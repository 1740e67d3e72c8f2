package memory_test

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/account/accounttest"
	"github.com/parcelgate/parcelgate/internal/memory"
)

func TestAccountsContract(t *testing.T) {
	accounttest.Run(t, func(*testing.T) account.Store { return &memory.Accounts{} })
}
