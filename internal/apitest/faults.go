//go:build integration

package apitest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// FaultyDynamoDB returns the URL of a proxy to the local stack's DynamoDB
// that answers every operation named in fail (PutItem, say) with
// DynamoDB's InternalServerError while armed is set, and passes everything
// else through: a store failing half way through a unit of work.
func FaultyDynamoDB(t testing.TB, armed *atomic.Bool, fail ...string) string {
	t.Helper()
	endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	target, err := url.Parse(endpoint)
	if err != nil || target.Host == "" {
		t.Fatalf("no DynamoDB endpoint to proxy: %q", endpoint)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		if armed.Load() && slices.Contains(fail, op) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected by the test"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
