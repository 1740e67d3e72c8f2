package awsclient

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/parcelgate/parcelgate/internal/outage"
)

// frozen is an endpoint that accepts connections and never answers, as a
// stalled DynamoDB or SQS would.
func frozen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// refused is an endpoint nothing listens on.
func refused(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func testConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "y", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

func TestUnreachableServicesFailAsUnavailableWithinTheDeadline(t *testing.T) {
	for _, c := range []struct {
		name     string
		endpoint string
	}{{"frozen", frozen(t)}, {"refused", refused(t)}} {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(c.endpoint)
			o := Options{AttemptTimeout: 200 * time.Millisecond}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			_, err := DynamoDB(cfg, o).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"),
				Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "x"}}})
			if !errors.Is(err, outage.ErrUnavailable) {
				t.Fatalf("DynamoDB: %v, want ErrUnavailable", err)
			}
			_, err = SQS(cfg, o).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(c.endpoint + "/q"), MessageBody: aws.String("{}")})
			if !errors.Is(err, outage.ErrUnavailable) {
				t.Fatalf("SQS: %v, want ErrUnavailable", err)
			}
			if ctx.Err() != nil {
				t.Fatalf("the calls ran into the caller's deadline after %s instead of failing on their own", time.Since(start))
			}
		})
	}
}

// The caller's deadline ends a call however long an attempt may take and
// however many retries are left: a request's deadline is never overrun by
// the SDK. It ends well before one attempt timeout.
func TestDeadlineOfTheCallerIsUnavailable(t *testing.T) {
	endpoint := frozen(t)
	calls := map[string]func(context.Context) error{
		"DynamoDB": func(ctx context.Context) error {
			_, err := DynamoDB(testConfig(endpoint), Options{}).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"),
				Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "x"}}})
			return err
		},
		"SQS": func(ctx context.Context) error {
			_, err := SQS(testConfig(endpoint), Options{}).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(endpoint + "/q"), MessageBody: aws.String("{}")})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := call(ctx)
			if !errors.Is(err, outage.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%v, want ErrUnavailable for the caller's deadline", err)
			}
			if took := time.Since(start); took >= attemptTimeout {
				t.Fatalf("returned after %s, past an attempt's timeout: the caller's deadline was not kept", took)
			}
		})
	}
}

func TestClassifyKeepsRequestErrors(t *testing.T) {
	cases := []struct {
		err  error
		down bool
	}{
		{&types.ConditionalCheckFailedException{}, false},
		{&smithy.GenericAPIError{Code: "ValidationException", Fault: smithy.FaultClient}, false},
		{&types.ProvisionedThroughputExceededException{}, true},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{&smithy.GenericAPIError{Code: "InternalServerError", Fault: smithy.FaultServer}, true},
		{context.DeadlineExceeded, true},
		{errors.New("something else"), false},
	}
	for _, c := range cases {
		got := Classify(c.err)
		if errors.Is(got, outage.ErrUnavailable) != c.down {
			t.Errorf("%T %v: unavailable %v, want %v", c.err, c.err, !c.down, c.down)
		}
		if !errors.Is(got, c.err) {
			t.Errorf("%v: the cause was lost", c.err)
		}
	}
}
