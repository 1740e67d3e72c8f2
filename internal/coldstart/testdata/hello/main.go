// Command hello is the baseline of the cold-start benchmark: the smallest
// aws-lambda-go function that does at init what every parcelgate function
// must before it can answer: load the AWS configuration and build the
// DynamoDB and SQS clients, with the timeouts, retries and error
// classification the functions give them (internal/awsclient). Built with
// the same flags as parcelgate's, it is the floor a function's cold start
// is measured against: what is above it is parcelgate's own init. A
// function that also builds another AWS client is measured against a
// build of this command that builds it too (the build tags of ssm.go and
// ses.go).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/parcelgate/parcelgate/internal/awsclient"
)

// moreClients build the clients a build tag adds.
var moreClients []func(aws.Config) any

func main() {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	clients := []any{awsclient.DynamoDB(cfg, awsclient.Options{}), awsclient.SQS(cfg, awsclient.Options{})}
	for _, build := range moreClients {
		clients = append(clients, build(cfg))
	}
	lambda.Start(func(context.Context, json.RawMessage) (string, error) {
		// The clients are the handler's, as a function's stores are.
		_ = clients
		return "hello", nil
	})
}
