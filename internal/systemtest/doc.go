// Package systemtest holds the system tests and benchmarks of the whole
// API: each drives the dev server's handler over real HTTP through
// internal/apitest, against a fresh table and fresh queues on the local
// stack (DynamoDB Local and the SQS emulator), and checks every exchange
// against the OpenAPI document. They need the integration build tag and
// the stack: `make test`, `make bench`, or
//
//	go run ./cmd/parcelgate stack -- go test -tags integration -count=1 ./internal/systemtest/
//
// Benchmarks seed their data through the API or the store's own methods,
// and their raw baselines write and read what the store does, taken from
// the store itself (storewrites_bench_integration_test.go), rather than
// from a copy of the table's key layout that would drift from it.
package systemtest
