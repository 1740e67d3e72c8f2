package samtemplate

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// table is an AWS::DynamoDB::Table's properties, as far as they shape the
// table. Settings that only exist in AWS (point-in-time recovery,
// encryption, tags) are left out: the local emulators have no use for them.
type table struct {
	logicalID string
	props     tableProperties
}

type tableProperties struct {
	BillingMode          string `yaml:"BillingMode"`
	AttributeDefinitions []struct {
		AttributeName string `yaml:"AttributeName"`
		AttributeType string `yaml:"AttributeType"`
	} `yaml:"AttributeDefinitions"`
	KeySchema              []keyElement      `yaml:"KeySchema"`
	ProvisionedThroughput  *throughput       `yaml:"ProvisionedThroughput"`
	GlobalSecondaryIndexes []secondaryIndex  `yaml:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes  []secondaryIndex  `yaml:"LocalSecondaryIndexes"`
	TimeToLive             *timeToLiveConfig `yaml:"TimeToLiveSpecification"`
}

type keyElement struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

type throughput struct {
	ReadCapacityUnits  int64 `yaml:"ReadCapacityUnits"`
	WriteCapacityUnits int64 `yaml:"WriteCapacityUnits"`
}

type secondaryIndex struct {
	IndexName  string       `yaml:"IndexName"`
	KeySchema  []keyElement `yaml:"KeySchema"`
	Projection struct {
		ProjectionType   string   `yaml:"ProjectionType"`
		NonKeyAttributes []string `yaml:"NonKeyAttributes"`
	} `yaml:"Projection"`
	ProvisionedThroughput *throughput `yaml:"ProvisionedThroughput"`
}

type timeToLiveConfig struct {
	AttributeName string `yaml:"AttributeName"`
	Enabled       bool   `yaml:"Enabled"`
}

func parseTable(r resource) (table, error) {
	t := table{logicalID: r.logicalID}
	if err := r.decodeProperties(&t.props); err != nil {
		return t, err
	}
	if len(t.props.AttributeDefinitions) == 0 || len(t.props.KeySchema) == 0 {
		return t, fmt.Errorf("a table needs AttributeDefinitions and KeySchema")
	}
	return t, nil
}

// Tables returns the logical ids of the template's DynamoDB tables in
// document order.
func (t *Template) Tables() []string {
	ids := make([]string, len(t.tables))
	for i, tb := range t.tables {
		ids[i] = tb.logicalID
	}
	return ids
}

// TableInput returns the CreateTable request that builds the table declared
// as logicalID, named tableName, and the name of its TTL attribute ("" when
// TTL is off). TTL is returned apart because DynamoDB sets it with a second
// call (UpdateTimeToLive) once the table exists.
func (t *Template) TableInput(logicalID, tableName string) (*dynamodb.CreateTableInput, string, error) {
	var tb *table
	for i := range t.tables {
		if t.tables[i].logicalID == logicalID {
			tb = &t.tables[i]
		}
	}
	if tb == nil {
		return nil, "", fmt.Errorf("samtemplate: no %s named %s", typeTable, logicalID)
	}
	// DynamoDB's own rule; checking it here gives a clearer error than the
	// service's ValidationException.
	if len(tableName) < 3 || len(tableName) > 255 {
		return nil, "", fmt.Errorf("samtemplate: table name %q: want 3 to 255 characters", tableName)
	}
	p := tb.props
	in := &dynamodb.CreateTableInput{
		TableName:             aws.String(tableName),
		KeySchema:             keySchema(p.KeySchema),
		ProvisionedThroughput: p.ProvisionedThroughput.sdk(),
	}
	if p.BillingMode != "" {
		in.BillingMode = types.BillingMode(p.BillingMode)
	}
	for _, a := range p.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName),
			AttributeType: types.ScalarAttributeType(a.AttributeType),
		})
	}
	for _, ix := range p.GlobalSecondaryIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:             aws.String(ix.IndexName),
			KeySchema:             keySchema(ix.KeySchema),
			Projection:            ix.projection(),
			ProvisionedThroughput: ix.ProvisionedThroughput.sdk(),
		})
	}
	for _, ix := range p.LocalSecondaryIndexes {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName:  aws.String(ix.IndexName),
			KeySchema:  keySchema(ix.KeySchema),
			Projection: ix.projection(),
		})
	}
	var ttl string
	if p.TimeToLive != nil && p.TimeToLive.Enabled {
		ttl = p.TimeToLive.AttributeName
	}
	return in, ttl, nil
}

func keySchema(ks []keyElement) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, len(ks))
	for i, k := range ks {
		out[i] = types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)}
	}
	return out
}

func (ix secondaryIndex) projection() *types.Projection {
	p := &types.Projection{ProjectionType: types.ProjectionType(ix.Projection.ProjectionType)}
	if len(ix.Projection.NonKeyAttributes) > 0 {
		p.NonKeyAttributes = ix.Projection.NonKeyAttributes
	}
	return p
}

func (t *throughput) sdk() *types.ProvisionedThroughput {
	if t == nil {
		return nil
	}
	return &types.ProvisionedThroughput{
		ReadCapacityUnits:  aws.Int64(t.ReadCapacityUnits),
		WriteCapacityUnits: aws.Int64(t.WriteCapacityUnits),
	}
}
