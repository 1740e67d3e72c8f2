// Package systemtest holds the system tests and benchmarks of the whole
// API: each drives the dev server's handler over real HTTP through
// internal/apitest, against a fresh table and fresh queues on the local
// stack (DynamoDB Local and the SQS emulator), and checks every exchange
// against the OpenAPI document. They need the integration build tag and
// the stack: `make test`, `make bench`, or
//
//	go run ./cmd/parcelgate stack -- go test -tags integration -count=1 ./internal/systemtest/
package systemtest
