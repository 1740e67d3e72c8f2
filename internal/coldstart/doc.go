// Package coldstart measures how long each Lambda of parcelgate takes from
// exec to its first request for work, against a hello-world aws-lambda-go
// function that loads the AWS configuration and builds the same DynamoDB
// and SQS clients, built the same way in the same run
// (BenchmarkColdStart). It has no code of its own: the benchmark is the
// package.
package coldstart
