package devstack

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// externalProbeTimeout bounds the check that endpoints from the environment
// answer; they are expected to be up already.
const externalProbeTimeout = 15 * time.Second

// probeConfig is the SDK configuration of readiness probes: the local
// region, placeholder credentials, and no retries, because the probe loop
// retries on its own schedule.
func probeConfig() aws.Config {
	return aws.Config{
		Region:           localRegion,
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	}
}

// waitDynamoDB waits until ListTables succeeds at endpoint. p, when not
// nil, is the emulator being waited for: its exit ends the wait early.
func waitDynamoDB(ctx context.Context, endpoint string, p *process) error {
	client := dynamodb.NewFromConfig(probeConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
	return waitFor(ctx, "ListTables", endpoint, p, func(ctx context.Context) error {
		_, err := client.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
		return err
	})
}

// waitSQS waits until ListQueues succeeds at endpoint; see waitDynamoDB.
func waitSQS(ctx context.Context, endpoint string, p *process) error {
	client := sqs.NewFromConfig(probeConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	return waitFor(ctx, "ListQueues", endpoint, p, func(ctx context.Context) error {
		_, err := client.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1)})
		return err
	})
}

// waitSES waits until the SES emulator's health check answers 200.
func waitSES(ctx context.Context, endpoint string, p *process) error {
	return waitFor(ctx, "GET /health-check", endpoint, p, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/health-check", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

func waitFor(ctx context.Context, call, endpoint string, p *process, try func(context.Context) error) error {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		attempt, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := try(attempt)
		cancel()
		if err == nil {
			return nil
		}
		if p != nil && p.exited() {
			return fmt.Errorf("exited before answering %s at %s: %v", call, endpoint, p.waitErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no answer to %s at %s: %w (last error: %v)", call, endpoint, ctx.Err(), err)
		case <-tick.C:
		}
	}
}
