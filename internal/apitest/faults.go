package apitest

import (
	"context"
	"net"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// FrozenEndpoint returns the URL of an endpoint that accepts connections
// and never answers, as a stalled DynamoDB or SQS does.
func FrozenEndpoint(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// Items returns every item of the test's table: tests that refuse input
// check that it stored nothing.
func (e *Env) Items(t testing.TB) []map[string]types.AttributeValue {
	t.Helper()
	client := dynamodb.NewFromConfig(e.AWS)
	var out []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: &e.Config.Table, ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		pg, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pg.Items...)
	}
	return out
}

// Keys renders items as their PK/SK, for failure messages.
func Keys(items []map[string]types.AttributeValue) []string {
	out := make([]string, len(items))
	for i, it := range items {
		pk, _ := it["PK"].(*types.AttributeValueMemberS)
		sk, _ := it["SK"].(*types.AttributeValueMemberS)
		if pk != nil && sk != nil {
			out[i] = pk.Value + " " + sk.Value
		}
	}
	return out
}
