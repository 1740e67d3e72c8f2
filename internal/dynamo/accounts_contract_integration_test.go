//go:build integration

package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/account/accounttest"
)

func TestAccountsContract(t *testing.T) {
	s := newStore(t)
	accounttest.Run(t, func(*testing.T) account.Store { return s.Accounts })
}
