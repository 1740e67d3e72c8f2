package samtemplate

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// repoTemplate is the project's own template.yaml, two levels up from this
// package.
func repoTemplate(t *testing.T) *Template {
	t.Helper()
	tmpl, err := Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func parseString(t *testing.T, src string) *Template {
	t.Helper()
	tmpl, err := parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func TestRepoTemplateTable(t *testing.T) {
	tmpl := repoTemplate(t)
	if got := tmpl.Tables(); !reflect.DeepEqual(got, []string{"Table"}) {
		t.Fatalf("Tables() = %v, want [Table]", got)
	}
	in, ttl, err := tmpl.TableInput("Table", "dev-Table")
	if err != nil {
		t.Fatal(err)
	}
	if ttl != "expiresAt" {
		t.Errorf("ttl attribute = %q, want expiresAt", ttl)
	}
	if aws.ToString(in.TableName) != "dev-Table" || in.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("name %q billing %q", aws.ToString(in.TableName), in.BillingMode)
	}
	if got := keys(in.KeySchema); got != "PK:HASH SK:RANGE" {
		t.Errorf("key schema = %s", got)
	}
	indexes := map[string]string{}
	for _, ix := range in.GlobalSecondaryIndexes {
		indexes[aws.ToString(ix.IndexName)] = keys(ix.KeySchema) + " " + string(ix.Projection.ProjectionType)
	}
	want := map[string]string{"GSI1": "GSI1PK:HASH GSI1SK:RANGE ALL", "GSI2": "GSI2PK:HASH GSI2SK:RANGE ALL", "GSI3": "GSI3PK:HASH GSI3SK:RANGE INCLUDE"}
	for name, shape := range want {
		if indexes[name] != shape {
			t.Errorf("index %s = %q, want %q", name, indexes[name], shape)
		}
	}
	// Every key attribute must be defined, or CreateTable fails.
	defined := map[string]bool{}
	for _, a := range in.AttributeDefinitions {
		defined[aws.ToString(a.AttributeName)] = true
	}
	for _, ix := range in.GlobalSecondaryIndexes {
		for _, k := range ix.KeySchema {
			if !defined[aws.ToString(k.AttributeName)] {
				t.Errorf("index %s: key %s has no attribute definition", aws.ToString(ix.IndexName), aws.ToString(k.AttributeName))
			}
		}
	}
}

func TestRepoTemplateQueues(t *testing.T) {
	queues := map[string]Queue{}
	for _, q := range repoTemplate(t).Queues() {
		queues[q.LogicalID] = q
	}
	jobs, ok := queues["JobsQueue"]
	if !ok {
		t.Fatalf("no JobsQueue in %v", queues)
	}
	if jobs.DeadLetterQueue != "JobsDeadLetterQueue" || jobs.MaxReceiveCount != 5 {
		t.Errorf("JobsQueue redrive = %s after %d receives", jobs.DeadLetterQueue, jobs.MaxReceiveCount)
	}
	if jobs.Attributes["VisibilityTimeout"] != "180" || jobs.Attributes["MessageRetentionPeriod"] != "345600" {
		t.Errorf("JobsQueue attributes = %v", jobs.Attributes)
	}
	if _, ok := jobs.Attributes["RedrivePolicy"]; ok {
		t.Error("RedrivePolicy must not be passed through as a literal attribute")
	}
	if dlq := queues["JobsDeadLetterQueue"]; dlq.DeadLetterQueue != "" || dlq.Attributes["MessageRetentionPeriod"] != "1209600" {
		t.Errorf("JobsDeadLetterQueue = %+v", dlq)
	}
}

func TestRepoTemplateFunctions(t *testing.T) {
	routes := map[string]string{}
	for _, f := range repoTemplate(t).Functions() {
		for _, r := range f.Routes {
			routes[r.Method+" "+r.Path] = f.LogicalID
		}
	}
	if routes["POST /v1/auth/token"] != "AuthFunction" || routes["GET /v1/projects/{projectId}"] != "ProjectsFunction" {
		t.Errorf("routes = %v", routes)
	}
	schedules := map[string][]ScheduleEvent{}
	for _, f := range repoTemplate(t).Functions() {
		if len(f.Schedules) > 0 {
			schedules[f.LogicalID] = f.Schedules
		}
	}
	if want := map[string][]ScheduleEvent{"SweeperFunction": {{Rate: time.Minute}}}; !reflect.DeepEqual(schedules, want) {
		t.Errorf("schedules = %v, want %v", schedules, want)
	}
}

const inline = `
Globals:
  Function:
    Environment:
      Variables:
        TABLE: !Ref Cache
        QUEUE: overridden
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          QUEUE: !Ref Work
          SPLIT: !Select [0, !Split [",", !Sub "${AWS::Region},x"]]
      Events:
        Hook:
          Type: Api
          Properties: {Method: post, Path: /hook}
        Short:
          Type: SQS
          Properties:
            Queue: !GetAtt Work.Arn
        Tick:
          Type: Schedule
          Properties: {Schedule: rate(5 minutes), Description: tick}
        Long:
          Type: SQS
          Properties:
            Queue:
              Fn::GetAtt: [Other, Arn]
            BatchSize: 25
            MaximumBatchingWindowInSeconds: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
            ScalingConfig: {MaximumConcurrency: 7}
  Work:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      FifoQueue: true
      Tags: [{Key: a, Value: b}]
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dead.Arn
        maxReceiveCount: 3
  Other:
    Type: AWS::SQS::Queue
  Dead:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref Key
  Cache:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}, {AttributeName: n, AttributeType: N}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 2}
      LocalSecondaryIndexes:
        - IndexName: byN
          KeySchema: [{AttributeName: id, KeyType: HASH}, {AttributeName: n, KeyType: RANGE}]
          Projection: {ProjectionType: INCLUDE, NonKeyAttributes: [x]}
      TimeToLiveSpecification: {AttributeName: ttl, Enabled: false}
`

func TestInlineFunctions(t *testing.T) {
	got := parseString(t, inline).Functions()
	want := []Function{{
		LogicalID: "Worker",
		Routes:    []Route{{Method: "POST", Path: "/hook"}},
		Queues: []QueueEvent{
			{QueueLogicalID: "Work", BatchSize: 10},
			{QueueLogicalID: "Other", BatchSize: 25, ReportBatchItemFailures: true, MaximumBatchingWindowInSeconds: 2, MaximumConcurrency: 7},
		},
		Schedules:   []ScheduleEvent{{Rate: 5 * time.Minute}},
		Environment: []string{"QUEUE", "SPLIT", "TABLE"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Functions() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestInlineQueues(t *testing.T) {
	got := parseString(t, inline).Queues()
	want := []Queue{
		{LogicalID: "Work", Attributes: map[string]string{"VisibilityTimeout": "30", "FifoQueue": "true"}, DeadLetterQueue: "Dead", MaxReceiveCount: 3},
		{LogicalID: "Other", Attributes: map[string]string{}},
		{LogicalID: "Dead", Attributes: map[string]string{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Queues() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestInlineTable(t *testing.T) {
	in, ttl, err := parseString(t, inline).TableInput("Cache", "local-Cache")
	if err != nil {
		t.Fatal(err)
	}
	if ttl != "" {
		t.Errorf("disabled TTL returned attribute %q", ttl)
	}
	if in.BillingMode != "" || aws.ToInt64(in.ProvisionedThroughput.ReadCapacityUnits) != 5 {
		t.Errorf("billing %q throughput %+v", in.BillingMode, in.ProvisionedThroughput)
	}
	if len(in.LocalSecondaryIndexes) != 1 {
		t.Fatalf("LSIs = %+v", in.LocalSecondaryIndexes)
	}
	lsi := in.LocalSecondaryIndexes[0]
	if keys(lsi.KeySchema) != "id:HASH n:RANGE" || lsi.Projection.ProjectionType != types.ProjectionTypeInclude ||
		!reflect.DeepEqual(lsi.Projection.NonKeyAttributes, []string{"x"}) {
		t.Errorf("LSI = %s %+v", keys(lsi.KeySchema), lsi.Projection)
	}
	if _, _, err := parseString(t, inline).TableInput("Work", "local-Work"); err == nil {
		t.Error("TableInput accepted a queue's logical id")
	}
	if _, _, err := parseString(t, inline).TableInput("Cache", "x"); err == nil {
		t.Error("TableInput accepted a 1-character table name")
	}
}

func TestLoadErrors(t *testing.T) {
	const fn = `
Resources:
  Q: {Type: AWS::SQS::Queue}
  T: {Type: AWS::DynamoDB::Table, Properties: {AttributeDefinitions: [{AttributeName: a, AttributeType: S}], KeySchema: [{AttributeName: a, KeyType: HASH}]}}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E: {Type: SQS, Properties: {Queue: %s}}
`
	// Each case names the source and a fragment of the error it must cause.
	cases := map[string][2]string{
		"no resources":          {"Description: nothing\n", "no Resources"},
		"not yaml":              {"Resources: [", "yaml:"},
		"getatt of a table":     {strings.Replace(fn, "%s", "!GetAtt T.Arn", 1), "not the Arn of an AWS::SQS::Queue"},
		"queue arn literal":     {strings.Replace(fn, "%s", "arn:aws:sqs:us-east-1:1:q", 1), "want !GetAtt"},
		"getatt without dot":    {strings.Replace(fn, "%s", "!GetAtt Q", 1), "want Resource.Attribute"},
		"zero batch size":       {strings.Replace(fn, "Queue: %s", "Queue: !GetAtt Q.Arn, BatchSize: 0", 1), "BatchSize 0"},
		"intrinsic attribute":   {"Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: !Ref P}}\n", "want a literal value"},
		"dangling redrive":      {"Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {RedrivePolicy: {deadLetterTargetArn: !GetAtt D.Arn, maxReceiveCount: 2}}}\n", "D.Arn is not"},
		"redrive without count": {"Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {RedrivePolicy: {deadLetterTargetArn: !GetAtt Q.Arn}}}\n", "maxReceiveCount 0"},
		"table without keys":    {"Resources:\n  T: {Type: AWS::DynamoDB::Table, Properties: {BillingMode: PAY_PER_REQUEST}}\n", "needs AttributeDefinitions"},
		"api without path":      {"Resources:\n  F: {Type: AWS::Serverless::Function, Properties: {Events: {A: {Type: Api, Properties: {Method: GET}}}}}\n", "needs Method and Path"},
		"cron schedule":         {"Resources:\n  F: {Type: AWS::Serverless::Function, Properties: {Events: {S: {Type: Schedule, Properties: {Schedule: 'cron(0 12 * * ? *)'}}}}}\n", "want rate("},
		"rate of seconds":       {"Resources:\n  F: {Type: AWS::Serverless::Function, Properties: {Events: {S: {Type: Schedule, Properties: {Schedule: rate(30 seconds)}}}}}\n", "unit must be"},
		"rate of zero":          {"Resources:\n  F: {Type: AWS::Serverless::Function, Properties: {Events: {S: {Type: Schedule, Properties: {Schedule: rate(0 minutes)}}}}}\n", "positive whole number"},
	}
	for name, c := range cases {
		_, err := parse([]byte(c[0]))
		if err == nil || !strings.Contains(err.Error(), c[1]) {
			t.Errorf("%s: err = %v, want one containing %q", name, err, c[1])
		}
	}
	if _, err := parse([]byte(strings.Replace(fn, "%s", "!GetAtt Q.Arn", 1))); err != nil {
		t.Errorf("valid template: %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "template.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want a not-exist error", err)
	}
}

func keys(ks []types.KeySchemaElement) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = aws.ToString(k.AttributeName) + ":" + string(k.KeyType)
	}
	return strings.Join(parts, " ")
}
