// Command hello is the baseline of the cold-start benchmark: the smallest
// aws-lambda-go function that does at init what every parcelgate function
// must before it can answer: load the AWS configuration and build the
// DynamoDB and SQS clients, with the timeouts, retries and error
// classification the functions give them (internal/awsclient). Built with
// the same flags as parcelgate's, it is the floor a function's cold start
// is measured against: what is above it is parcelgate's own init.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/parcelgate/parcelgate/internal/awsclient"
)

func main() {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	table := awsclient.DynamoDB(cfg, awsclient.Options{})
	queue := awsclient.SQS(cfg, awsclient.Options{})
	lambda.Start(func(context.Context, json.RawMessage) (string, error) {
		// The clients are the handler's, as a function's stores are.
		_, _ = table, queue
		return "hello", nil
	})
}
