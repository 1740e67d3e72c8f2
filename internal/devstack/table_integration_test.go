//go:build integration

package devstack_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestTableMatchesTemplate compares what DynamoDB reports for each
// provisioned table with the table's definition in template.yaml.
func TestTableMatchesTemplate(t *testing.T) {
	res := provision(t)
	db := dynamodb.NewFromConfig(awsCfg)
	for _, id := range tmpl.Tables() {
		name := res.Tables[id]
		want, wantTTL, err := tmpl.TableInput(id, name)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := db.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		got := desc.Table
		if g, w := keySchema(got.KeySchema), keySchema(want.KeySchema); g != w {
			t.Errorf("table %s: key schema %s, want %s", id, g, w)
		}
		if g, w := attributes(got.AttributeDefinitions), attributes(want.AttributeDefinitions); g != w {
			t.Errorf("table %s: attributes %s, want %s", id, g, w)
		}
		if want.BillingMode != "" && (got.BillingModeSummary == nil || got.BillingModeSummary.BillingMode != want.BillingMode) {
			t.Errorf("table %s: billing %+v, want %s", id, got.BillingModeSummary, want.BillingMode)
		}
		gotIndexes := map[string]string{}
		for _, ix := range got.GlobalSecondaryIndexes {
			gotIndexes[aws.ToString(ix.IndexName)] = keySchema(ix.KeySchema) + " " + projection(ix.Projection)
		}
		if len(gotIndexes) != len(want.GlobalSecondaryIndexes) {
			t.Errorf("table %s: indexes %v, want %d", id, gotIndexes, len(want.GlobalSecondaryIndexes))
		}
		for _, ix := range want.GlobalSecondaryIndexes {
			if w := keySchema(ix.KeySchema) + " " + projection(ix.Projection); gotIndexes[aws.ToString(ix.IndexName)] != w {
				t.Errorf("table %s: index %s = %q, want %q", id, aws.ToString(ix.IndexName), gotIndexes[aws.ToString(ix.IndexName)], w)
			}
		}
		ttl, err := db.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if wantTTL != "" {
			d := ttl.TimeToLiveDescription
			if d == nil || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != wantTTL {
				t.Errorf("table %s: TTL %+v, want enabled on %s", id, d, wantTTL)
			}
		}
	}
}

func keySchema(ks []types.KeySchemaElement) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = aws.ToString(k.AttributeName) + ":" + string(k.KeyType)
	}
	return strings.Join(parts, " ")
}

func attributes(as []types.AttributeDefinition) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = aws.ToString(a.AttributeName) + ":" + string(a.AttributeType)
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func projection(p *types.Projection) string {
	if p == nil {
		return "<none>"
	}
	extra := slices.Clone(p.NonKeyAttributes)
	slices.Sort(extra)
	return string(p.ProjectionType) + strings.Join(extra, ",")
}
