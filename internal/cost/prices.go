package cost

// The AWS list prices the cost model uses: us-east-1, on-demand, without
// the free tier, as published on the date below. Every price parcelgate
// speaks of is here and nowhere else.
const (
	PricesDate   = "2026-12-07"
	PricesRegion = "us-east-1"
)

// Price is one list price: dollars per Per units of Unit.
type Price struct {
	Name    string
	Dollars float64
	Per     float64
	Unit    string
	Source  string
}

// Each is the price of one unit.
func (p Price) Each() float64 { return p.Dollars / p.Per }

var (
	// DynamoDB on-demand, Standard table class. A transactional write
	// consumes two write request units per KB (Floor and BilledWCU count
	// them so); an eventually consistent read half a read unit per 4 KB.
	DynamoDBWrite = Price{"DynamoDB on-demand write request units", 0.625, 1e6, "WRU", "https://aws.amazon.com/dynamodb/pricing/on-demand/"}
	DynamoDBRead  = Price{"DynamoDB on-demand read request units", 0.125, 1e6, "RRU", "https://aws.amazon.com/dynamodb/pricing/on-demand/"}
	// Lambda on arm64 (Graviton), the architecture of every function
	// (template.yaml), first pricing tier.
	LambdaRequests = Price{"Lambda requests", 0.20, 1e6, "request", "https://aws.amazon.com/lambda/pricing/"}
	LambdaARM      = Price{"Lambda arm64 duration", 0.0000133334, 1, "GB-second", "https://aws.amazon.com/lambda/pricing/"}
	// SQS standard queues; an event source mapping's receives and deletes
	// are requests too.
	SQSRequests = Price{"SQS standard requests", 0.40, 1e6, "request", "https://aws.amazon.com/sqs/pricing/"}
	// API Gateway REST APIs, first 333 million requests a month.
	APIGatewayREST = Price{"API Gateway REST API requests", 3.50, 1e6, "request", "https://aws.amazon.com/api-gateway/pricing/"}
	// CloudWatch Logs standard ingestion (storage, $0.03 per GB-month, is
	// left out: retention is LogRetentionDays).
	LogsIngestion = Price{"CloudWatch Logs ingestion", 0.50, 1 << 30, "byte", "https://aws.amazon.com/cloudwatch/pricing/"}
	// WAF: requests the web ACL inspects; its $5 a month per web ACL and
	// $1 a month per rule are fixed, not per operation.
	WAFRequests = Price{"AWS WAF requests", 0.60, 1e6, "request", "https://aws.amazon.com/waf/pricing/"}
	// X-Ray traces recorded (sampled; see XRaySampled).
	XRayTraces = Price{"AWS X-Ray traces recorded", 5.00, 1e6, "trace", "https://aws.amazon.com/xray/pricing/"}
)

// Prices lists every price, for the command's table.
var Prices = []Price{DynamoDBWrite, DynamoDBRead, LambdaRequests, LambdaARM, SQSRequests, APIGatewayREST, LogsIngestion, WAFRequests, XRayTraces}

// Assumptions of the model that no measurement here can give.
const (
	// XRaySampled is the share of requests traced past the default
	// sampling rule's reservoir of one a second: 5 %.
	XRaySampled = 0.05
	// PlatformLogBytes is what Lambda itself logs per invocation (START,
	// END and REPORT lines, the REPORT with its X-Ray segment).
	PlatformLogBytes = 340
	// AccessLogBytes is one line of the API's access log (template.yaml's
	// AccessLogSetting) with its values filled in.
	AccessLogBytes = 450
	// ESMRequestsPerBatch: an event source mapping receives a batch and
	// deletes it (DeleteMessageBatch): two SQS requests per invocation.
	ESMRequestsPerBatch = 2
	// AWSRoundTripMillis is the wall time a handler waits for each AWS
	// request, in the region; the model bills it sequentially, an upper
	// bound (the handlers run a batch's requests concurrently).
	AWSRoundTripMillis = 4
)

// memoryMB is each function's memory (template.yaml): 256 MB but for the
// processor.
func memoryMB(function string) float64 {
	if function == "processor" {
		return 512
	}
	return 256
}
