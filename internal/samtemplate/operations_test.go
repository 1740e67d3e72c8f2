package samtemplate

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The operational rules of template.yaml (issue 15): least-privilege
// policies, an alarm for every failure mode, tracing and logs. A function
// or queue added later fails here until it follows the same pattern.

// functionPolicies is what each function may do. A new function gets a
// line here; a policy that allows Scan or DeleteItem needs a line in
// mayScanOrDelete with the reason.
var functionPolicies = map[string][]string{
	"AuthFunction":          {"TableReadPolicy", "TableWritePolicy", "SSMParameterReadPolicy"},
	"ProjectsFunction":      {"TableReadPolicy", "TableWritePolicy", "TableDeletePolicy"},
	"JobSubmitFunction":     {"TableReadPolicy", "TableWritePolicy", "JobsQueueSendPolicy"},
	"JobQueryFunction":      {"TableReadPolicy"},
	"ProcessorFunction":     {"TableReadPolicy", "TableWritePolicy", "TableDeletePolicy", "WebhookQueueSendPolicy", "JobsQueueSendPolicy"},
	"DeadLetterFunction":    {"TableReadPolicy", "TableWritePolicy", "WebhookQueueSendPolicy", "TableDeletePolicy"},
	"MessagesFunction":      {"TableReadPolicy", "TableWritePolicy", "JobsQueueSendPolicy"},
	"TrackingFunction":      {"TableReadPolicy"},
	"TrackerFunction":       {"TableReadPolicy"},
	"SweeperFunction":       {"TableReadPolicy", "TableWritePolicy", "JobsQueueSendPolicy", "WebhookQueueSendPolicy", "TableDeletePolicy", "TaskQueueSendPolicy"},
	"DataFunction":          {"TableReadPolicy", "TableWritePolicy", "TableDeletePolicy", "TaskQueueSendPolicy", "JobsQueueSendPolicy"},
	"WebhooksFunction":      {"TableReadPolicy", "TableWritePolicy", "TableDeletePolicy", "WebhookQueueSendPolicy"},
	"WebhookSenderFunction": {"TableReadPolicy", "TableWritePolicy", "WebhookQueueSendPolicy"},
	"OutboxFunction":        {"TableReadPolicy", "TableWritePolicy", "ReportQueueSendPolicy"},
	"ReportWorkerFunction":  {"TableReadPolicy", "TableWritePolicy", "ReportMailPolicy"},
	"TaskWorkerFunction":    {"TableReadPolicy", "TableWritePolicy", "TableDeletePolicy", "TaskQueueSendPolicy"},
}

// mayScanOrDelete lists the functions allowed dynamodb:Scan or
// dynamodb:DeleteItem, with why. No function scans: every read is a key
// lookup or a Query; unconditional deletes go through BatchWriteItem.
var mayScanOrDelete = map[string]string{
	"ProcessorFunction": "a REMOVE job deletes an association only if no later job added it again (a condition BatchWriteItem cannot express)",
	"DataFunction":      "a physical delete removes a record only while it is locked against new references (a conditional delete in a transaction)",
	"WebhooksFunction":  "DELETE of a webhook endpoint removes its item",
	"ProjectsFunction":  "removing a member deletes its item only while another admin remains (a conditional delete in a transaction)",

	"TaskWorkerFunction": "a task that starts or ends frees its code's pending item only if it still names the task (a conditional delete)",
	// Import transactions (weavy-compatible): the placeholder of a record an
	// import was inserting goes only if that import still holds it.
	"DeadLetterFunction": "rolling back an import deletes its placeholders only while it still holds them (a conditional delete)",
	"SweeperFunction":    "rolling back an abandoned import deletes its placeholders only while it still holds them; failing a lost task frees its code's pending item only if it still names the task (conditional deletes)",
}

type resourceMap map[string]map[string]any

func rawTemplate(t *testing.T) (root map[string]any, resources resourceMap) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if err := expandShortForms(doc.Content[0]); err != nil {
		t.Fatal(err)
	}
	if err := doc.Content[0].Decode(&root); err != nil {
		t.Fatal(err)
	}
	resources = resourceMap{}
	for id, r := range root["Resources"].(map[string]any) {
		resources[id] = r.(map[string]any)
	}
	return root, resources
}

func (rs resourceMap) ofType(typ string) []string {
	var ids []string
	for id, r := range rs {
		if r["Type"] == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

func list(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case nil:
		return nil
	}
	return []any{v}
}

// ref returns X for {Ref: X}.
func ref(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["Ref"].(string)
	return s
}

func TestFunctionsHaveLeastPrivilegePolicies(t *testing.T) {
	_, rs := rawTemplate(t)
	functions := rs.ofType(typeFunction)
	if len(functions) != len(functionPolicies) {
		t.Errorf("functions %v; functionPolicies names %d: add the new function's policies there", functions, len(functionPolicies))
	}
	for _, fn := range functions {
		var names []string
		for _, p := range list(props(rs[fn])["Policies"]) {
			switch p := p.(type) {
			case map[string]any:
				if id := ref(p); id != "" {
					if rs[id]["Type"] != "AWS::IAM::ManagedPolicy" {
						t.Errorf("%s: policy !Ref %s is not a managed policy of the template", fn, id)
					}
					names = append(names, id)
					continue
				}
				for name := range p {
					// SAM policy templates: only narrow, named ones.
					if strings.HasPrefix(name, "DynamoDB") || strings.HasPrefix(name, "SQS") || strings.Contains(name, "Crud") || strings.Contains(name, "FullAccess") {
						t.Errorf("%s: SAM policy template %s is broader than needed; use the template's own policies", fn, name)
					}
					names = append(names, name)
				}
			default:
				t.Errorf("%s: policy %v: use a policy of the template or a SAM policy template", fn, p)
			}
		}
		sort.Strings(names)
		want := slices.Clone(functionPolicies[fn])
		sort.Strings(want)
		if !slices.Equal(names, want) {
			t.Errorf("%s: policies %v, want %v", fn, names, want)
		}
		for _, name := range names {
			for _, action := range policyActions(t, rs, name) {
				switch {
				case action == "*" || strings.HasSuffix(action, ":*"):
					t.Errorf("%s: %s allows %s", fn, name, action)
				case (action == "dynamodb:Scan" || action == "dynamodb:DeleteItem") && mayScanOrDelete[fn] == "":
					t.Errorf("%s: %s allows %s, which it does not need", fn, name, action)
				}
			}
		}
	}
}

// policyActions returns the actions of a managed policy of the template,
// checking that DynamoDB and SQS actions name their resources.
func policyActions(t *testing.T, rs resourceMap, name string) []string {
	t.Helper()
	r, ok := rs[name]
	if !ok {
		return nil // a SAM policy template, checked by name
	}
	doc := props(r)["PolicyDocument"].(map[string]any)
	var actions []string
	for _, st := range list(doc["Statement"]) {
		st := st.(map[string]any)
		var these []string
		for _, a := range list(st["Action"]) {
			these = append(these, a.(string))
		}
		actions = append(actions, these...)
		for _, res := range list(st["Resource"]) {
			got := fmt.Sprint(res)
			// SES: one identity, and only from the sender address.
			if slices.ContainsFunc(these, func(a string) bool { return strings.HasPrefix(a, "ses:") }) {
				if !strings.Contains(got, ":identity/${ReportSenderIdentity}") || st["Condition"] == nil {
					t.Errorf("%s: %v on resource %s, want the sender identity with a ses:FromAddress condition", name, these, got)
				}
				continue
			}
			if got == "*" || !strings.Contains(got, "Table") && !strings.Contains(got, "Queue") {
				t.Errorf("%s: %v on resource %s, want the table, its indexes or a queue", name, these, got)
			}
			if strings.Contains(got, "/index/") && slices.ContainsFunc(these, func(a string) bool {
				return a != "dynamodb:Query" && a != "dynamodb:GetItem" && a != "dynamodb:BatchGetItem"
			}) {
				t.Errorf("%s: only reads may name the indexes, got %v", name, these)
			}
		}
	}
	return actions
}

// alarm is the part of an AWS::CloudWatch::Alarm the rules read.
type alarm struct {
	id, namespace, metric, dimension string
}

func alarms(t *testing.T, rs resourceMap) []alarm {
	t.Helper()
	var out []alarm
	for _, id := range rs.ofType("AWS::CloudWatch::Alarm") {
		p := props(rs[id])
		a := alarm{id: id, namespace: fmt.Sprint(p["Namespace"]), metric: fmt.Sprint(p["MetricName"])}
		for _, d := range list(p["Dimensions"]) {
			d := d.(map[string]any)
			switch v := d["Value"].(type) {
			case map[string]any:
				if r := ref(v); r != "" {
					a.dimension = r
				} else if ga, ok := v["Fn::GetAtt"].([]any); ok {
					a.dimension = fmt.Sprint(ga[0])
				}
			}
		}
		// Every alarm notifies the topic, and says when it recovers.
		for _, key := range []string{"AlarmActions", "OKActions"} {
			cond, ok := p[key].(map[string]any)["Fn::If"].([]any)
			if !ok || cond[0] != "HasAlarmTopic" {
				t.Errorf("%s: %s must be !If [HasAlarmTopic, [!Ref AlarmTopicArn], !Ref AWS::NoValue]", id, key)
			}
		}
		out = append(out, a)
	}
	return out
}

func hasAlarm(as []alarm, namespace, metric, dimension string) bool {
	return slices.ContainsFunc(as, func(a alarm) bool {
		return a.namespace == namespace && a.metric == metric && (dimension == "" || a.dimension == dimension)
	})
}

func TestEveryFailureModeHasAnAlarm(t *testing.T) {
	root, rs := rawTemplate(t)
	as := alarms(t, rs)
	for _, fn := range rs.ofType(typeFunction) {
		for _, metric := range []string{"Errors", "Throttles"} {
			if !hasAlarm(as, "AWS/Lambda", metric, fn) {
				t.Errorf("%s has no %s alarm", fn, metric)
			}
		}
	}
	deadLetterQueues := map[string]bool{}
	for _, q := range rs.ofType(typeQueue) {
		if rp, ok := props(rs[q])["RedrivePolicy"].(map[string]any); ok {
			deadLetterQueues[fmt.Sprint(rp["deadLetterTargetArn"].(map[string]any)["Fn::GetAtt"].([]any)[0])] = true
		}
	}
	for _, q := range rs.ofType(typeQueue) {
		if !hasAlarm(as, "AWS/SQS", "ApproximateAgeOfOldestMessage", q) {
			t.Errorf("queue %s has no alarm on the age of its oldest message", q)
		}
		if deadLetterQueues[q] && !hasAlarm(as, "AWS/SQS", "ApproximateNumberOfMessagesVisible", q) {
			t.Errorf("dead-letter queue %s has no alarm on its depth", q)
		}
	}
	for _, metric := range []string{"5XXError", "Latency"} {
		if !hasAlarm(as, "AWS/ApiGateway", metric, "") {
			t.Errorf("the API has no %s alarm", metric)
		}
	}
	if _, ok := root["Parameters"].(map[string]any)["AlarmTopicArn"]; !ok {
		t.Error("no AlarmTopicArn parameter")
	}
}

func TestTracingLogsAndStage(t *testing.T) {
	root, rs := rawTemplate(t)
	globals := root["Globals"].(map[string]any)
	if globals["Function"].(map[string]any)["Tracing"] != "Active" {
		t.Error("Globals.Function.Tracing is not Active: functions are not traced")
	}
	if globals["Api"].(map[string]any)["OpenApiVersion"] == nil {
		t.Error("Globals.Api.OpenApiVersion is not set: SAM adds a second stage named Stage")
	}
	for _, id := range rs.ofType("AWS::Serverless::Api") {
		p := props(rs[id])
		if p["TracingEnabled"] != true {
			t.Errorf("API %s is not traced", id)
		}
		if logs, _ := p["AccessLogSetting"].(map[string]any); logs["DestinationArn"] == nil || !strings.Contains(fmt.Sprint(logs["Format"]), "$context.requestId") {
			t.Errorf("API %s writes no access log", id)
		}
		// Routes start with /v1: a stage named v1 would give /v1/v1/.
		if stage := fmt.Sprint(p["StageName"]); stage == "v1" {
			t.Errorf("API %s: stage v1 makes URLs .../v1/v1/...", id)
		}
	}
	for _, fn := range rs.ofType(typeFunction) {
		group, ok := rs[fn+"LogGroup"]
		if !ok || props(group)["RetentionInDays"] == nil {
			t.Errorf("%s has no log group %sLogGroup with a retention", fn, fn)
		}
	}
}
