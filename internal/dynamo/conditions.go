package dynamo

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Telling a failed condition, and contention, from other write errors.

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return true
	}
	var tc *types.TransactionCanceledException
	if errors.As(err, &tc) {
		for _, r := range tc.CancellationReasons {
			if r.Code != nil && *r.Code == "ConditionalCheckFailed" {
				return true
			}
		}
	}
	return false
}

// isContended reports a transaction that kept colliding with concurrent
// ones on the licences item after every retry: the caller may send it
// again.
func isContended(err error) bool {
	var conflict *types.TransactionConflictException
	var cancelled *types.TransactionCanceledException
	return errors.As(err, &conflict) || errors.As(err, &cancelled)
}

// failed reports whether action i of a cancelled transaction failed its
// condition.
func failed(reasons []types.CancellationReason, i int) bool {
	return i < len(reasons) && reasons[i].Code != nil && *reasons[i].Code == "ConditionalCheckFailed"
}

// cancelledAt reports whether a transaction failed because the condition
// of its i-th item did not hold.
func cancelledAt(err error, i int) bool {
	var tc *types.TransactionCanceledException
	if !errors.As(err, &tc) || i >= len(tc.CancellationReasons) {
		return false
	}
	code := tc.CancellationReasons[i].Code
	return code != nil && *code == "ConditionalCheckFailed"
}
