package samtemplate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// defaultSQSBatchSize is SAM's BatchSize when an SQS event leaves it out.
const defaultSQSBatchSize = 10

// Function is an AWS::Serverless::Function and the events that invoke it.
type Function struct {
	LogicalID string
	Routes    []Route
	Queues    []QueueEvent
	Schedules []ScheduleEvent
	// Environment names the variables the function declares, its own and
	// Globals', sorted: the only ones `sam local` lets an env-vars file set.
	Environment []string
}

// ScheduleEvent is a `Type: Schedule` event: EventBridge invokes the
// function every Rate.
type ScheduleEvent struct {
	Rate time.Duration
}

// Route is an `Type: Api` event: API Gateway invokes the function for it.
type Route struct {
	Method string // upper case, or ANY
	Path   string
}

// QueueEvent is a `Type: SQS` event: Lambda polls the queue and invokes the
// function with batches of its messages.
type QueueEvent struct {
	QueueLogicalID                 string
	BatchSize                      int
	ReportBatchItemFailures        bool
	MaximumBatchingWindowInSeconds int
	// MaximumConcurrency is ScalingConfig's bound on the batches Lambda
	// runs at once; 0 when the template leaves it to Lambda.
	MaximumConcurrency int
}

// Functions returns the template's functions in document order.
func (t *Template) Functions() []Function {
	return slices.Clone(t.functions)
}

type functionProperties struct {
	Events      yaml.Node   `yaml:"Events"`
	Environment environment `yaml:"Environment"`
}

type environment struct {
	Variables map[string]yaml.Node `yaml:"Variables"`
}

// names returns the variable names of e and of globals, sorted.
func (e environment) names(globals environment) []string {
	var out []string
	for _, vars := range []map[string]yaml.Node{globals.Variables, e.Variables} {
		for name := range vars {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}

type apiEvent struct {
	Method string `yaml:"Method"`
	Path   string `yaml:"Path"`
}

type sqsEvent struct {
	Queue                          getAtt   `yaml:"Queue"`
	BatchSize                      *int     `yaml:"BatchSize"`
	FunctionResponseTypes          []string `yaml:"FunctionResponseTypes"`
	MaximumBatchingWindowInSeconds int      `yaml:"MaximumBatchingWindowInSeconds"`
	ScalingConfig                  struct {
		MaximumConcurrency int `yaml:"MaximumConcurrency"`
	} `yaml:"ScalingConfig"`
}

func parseFunction(r resource, types map[string]string, globals environment) (Function, error) {
	f := Function{LogicalID: r.logicalID}
	var props functionProperties
	if err := r.decodeProperties(&props); err != nil {
		return f, err
	}
	f.Environment = props.Environment.names(globals)
	events := &props.Events
	for i := 0; i+1 < len(events.Content); i += 2 {
		name, body := events.Content[i].Value, events.Content[i+1]
		var head struct {
			Type       string    `yaml:"Type"`
			Properties yaml.Node `yaml:"Properties"`
		}
		if err := body.Decode(&head); err != nil {
			return f, fmt.Errorf("event %s: %w", name, err)
		}
		switch head.Type {
		case "Api":
			var e apiEvent
			if err := head.Properties.Decode(&e); err != nil {
				return f, fmt.Errorf("event %s: %w", name, err)
			}
			if e.Method == "" || e.Path == "" {
				return f, fmt.Errorf("event %s: an Api event needs Method and Path", name)
			}
			f.Routes = append(f.Routes, Route{Method: strings.ToUpper(e.Method), Path: e.Path})
		case "SQS":
			q, err := parseSQSEvent(&head.Properties, types)
			if err != nil {
				return f, fmt.Errorf("event %s: %w", name, err)
			}
			f.Queues = append(f.Queues, q)
		case "Schedule":
			var e struct {
				Schedule string `yaml:"Schedule"`
			}
			if err := head.Properties.Decode(&e); err != nil {
				return f, fmt.Errorf("event %s: %w", name, err)
			}
			rate, err := parseRate(e.Schedule)
			if err != nil {
				return f, fmt.Errorf("event %s: %w", name, err)
			}
			f.Schedules = append(f.Schedules, ScheduleEvent{Rate: rate})
		}
	}
	return f, nil
}

// parseRate reads an EventBridge rate expression, `rate(5 minutes)`. Cron
// expressions are refused: nothing local could run them the same way.
func parseRate(expr string) (time.Duration, error) {
	inner, ok := strings.CutPrefix(strings.TrimSpace(expr), "rate(")
	inner, ok2 := strings.CutSuffix(inner, ")")
	fields := strings.Fields(inner)
	if !ok || !ok2 || len(fields) != 2 {
		return 0, fmt.Errorf("schedule %q: want rate(<n> <unit>)", expr)
	}
	n, err := strconv.Atoi(fields[0])
	if err != nil || n < 1 {
		return 0, fmt.Errorf("schedule %q: want a positive whole number", expr)
	}
	unit := map[string]time.Duration{
		"minute": time.Minute, "minutes": time.Minute,
		"hour": time.Hour, "hours": time.Hour,
		"day": 24 * time.Hour, "days": 24 * time.Hour,
	}[fields[1]]
	if unit == 0 {
		return 0, fmt.Errorf("schedule %q: unit must be minute(s), hour(s) or day(s)", expr)
	}
	return time.Duration(n) * unit, nil
}

func parseSQSEvent(props *yaml.Node, types map[string]string) (QueueEvent, error) {
	var e sqsEvent
	if err := props.Decode(&e); err != nil {
		return QueueEvent{}, err
	}
	queue, err := e.Queue.queueArnRef(types)
	if err != nil {
		return QueueEvent{}, fmt.Errorf("property Queue: %w", err)
	}
	q := QueueEvent{
		QueueLogicalID:                 queue,
		BatchSize:                      defaultSQSBatchSize,
		ReportBatchItemFailures:        slices.Contains(e.FunctionResponseTypes, "ReportBatchItemFailures"),
		MaximumBatchingWindowInSeconds: e.MaximumBatchingWindowInSeconds,
		MaximumConcurrency:             e.ScalingConfig.MaximumConcurrency,
	}
	if e.BatchSize != nil {
		q.BatchSize = *e.BatchSize
	}
	if q.BatchSize < 1 || q.BatchSize > 10000 {
		return QueueEvent{}, fmt.Errorf("property BatchSize %d: want 1 to 10000", q.BatchSize)
	}
	return q, nil
}
