// Package awsclient builds the SDK clients of the table and the queue so
// that a service which is down, throttling or frozen fails within a
// request's deadline and always the same way: with an error wrapping
// outage.ErrUnavailable, which every caller answers with 503 and
// Retry-After instead of an internal error or a hang.
package awsclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/parcelgate/parcelgate/internal/outage"
)

// Timeouts of one attempt. DynamoDB and SQS answer in milliseconds; an
// attempt taking seconds is a service in trouble, and giving up on it
// leaves time for a retry within the eight seconds an API request gives
// its store calls (httpapi.DefaultDeadline). The caller's context ends a
// call sooner: no attempt or backoff outlasts it.
const (
	dialTimeout    = 2 * time.Second
	attemptTimeout = 4 * time.Second
	maxAttempts    = 3
	maxBackoff     = time.Second
)

// Options holds what both clients share.
type Options struct {
	// AttemptTimeout overrides attemptTimeout (tests of a frozen service).
	AttemptTimeout time.Duration
	// DynamoDBEndpoint and SQSEndpoint, when set, override the endpoints
	// the configuration resolves (tests of one service down).
	DynamoDBEndpoint, SQSEndpoint string
}

// HTTPClient is the HTTP client of every SDK client of this package, for
// the ones built elsewhere (SES lives in internal/mail, so that only the
// function that mails links its SDK).
func (o Options) HTTPClient() aws.HTTPClient {
	timeout := o.AttemptTimeout
	if timeout <= 0 {
		timeout = attemptTimeout
	}
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = dialTimeout }).
		WithTransportOptions(func(t *http.Transport) { t.ResponseHeaderTimeout = timeout }).
		WithTimeout(timeout)
}

// Retryer is the retry policy of both clients; adjust changes it further
// (the local stack lifts the retry quota).
func Retryer(adjust ...func(*retry.StandardOptions)) aws.Retryer {
	return retry.NewStandard(append([]func(*retry.StandardOptions){func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
	}}, adjust...)...)
}

// ClassifyErrors is the API option that wraps every failed call's error
// with Classify.
func ClassifyErrors(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("ClassifyOutage",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			return out, md, Classify(err)
		}), middleware.Before)
}

// DynamoDB returns a DynamoDB client for cfg with the timeouts, retries
// and error classification of this package.
func DynamoDB(cfg aws.Config, o Options, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, append([]func(*dynamodb.Options){func(do *dynamodb.Options) {
		do.HTTPClient = o.HTTPClient()
		do.Retryer = Retryer()
		do.APIOptions = append(do.APIOptions, ClassifyErrors)
		if o.DynamoDBEndpoint != "" {
			do.BaseEndpoint = aws.String(o.DynamoDBEndpoint)
		}
	}}, optFns...)...)
}

// SQS returns an SQS client for cfg with the timeouts, retries and error
// classification of this package.
func SQS(cfg aws.Config, o Options, optFns ...func(*sqs.Options)) *sqs.Client {
	return sqs.NewFromConfig(cfg, append([]func(*sqs.Options){func(so *sqs.Options) {
		so.HTTPClient = o.HTTPClient()
		so.Retryer = Retryer()
		so.APIOptions = append(so.APIOptions, ClassifyErrors)
		if o.SQSEndpoint != "" {
			so.BaseEndpoint = aws.String(o.SQSEndpoint)
		}
	}}, optFns...)...)
}

// Classify wraps err with outage.ErrUnavailable when it says the service
// could not be reached, did not answer in time, throttled the call or
// failed on its side; any other error (a refused condition, a bad
// request) is returned as is.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var send *smithyhttp.RequestSendError
	var quota ratelimit.QuotaExceededError
	var netErr net.Error
	var resp *awshttp.ResponseError
	var api smithy.APIError
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &send),
		errors.As(err, &quota),
		errors.As(err, &netErr) && netErr.Timeout(),
		errors.As(err, &resp) && resp.HTTPStatusCode() >= 500:
		return outage.Wrap(err)
	case errors.As(err, &api):
		if _, throttled := retry.DefaultThrottleErrorCodes[api.ErrorCode()]; throttled || api.ErrorFault() == smithy.FaultServer {
			return outage.Wrap(err)
		}
	}
	return err
}
