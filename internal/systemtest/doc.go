// Package systemtest holds the system tests and benchmarks of the whole
// API: each drives the dev server's handler over real HTTP through
// internal/apitest and checks every exchange against the OpenAPI
// document. They run twice, like the contract suites: in plain `go test`
// on the memory backend with in-process queues, and with the integration
// build tag against a fresh table and fresh queues on the local stack
// (DynamoDB Local and the SQS emulator): `make test`, `make bench`, or
//
//	go run ./cmd/parcelgate stack -- go test -tags integration -count=1 ./internal/systemtest/
//
// The tests that need the real engine are in *_integration_test.go files,
// each saying why. Benchmarks seed their data through the API or the
// store's own methods, and their raw baselines write and read what the
// store does, taken from the store itself (storewrites_bench_integration_test.go),
// rather than from a copy of the table's key layout that would drift from it.
package systemtest
