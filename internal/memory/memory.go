// Package memory implements the domain's store ports in memory, for tests
// that run in seconds without the local stack. Each port's contract suite
// (internal/<domain>/<domain>test) runs against these and against
// DynamoDB Local, so both keep the same promises.
package memory
