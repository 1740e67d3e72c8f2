// Command hello is the baseline of the cold-start benchmark: the smallest
// aws-lambda-go function, built with the same flags as parcelgate's.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "hello", nil })
}
