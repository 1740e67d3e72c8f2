package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/page"
)

// ReadRecords implements data.Store: Query pages of the entity's
// partition (or of its GSI1 delta partition), in key order, until the
// limit is met, the partition ends or MaxScanned items were read.
func (s *Records) ReadRecords(ctx context.Context, r data.Read) ([]data.Record, string, error) {
	in := &dynamodb.QueryInput{TableName: &s.Name, ScanIndexForward: aws.Bool(!r.Descending)}
	partitionAttr, partition := attrPK, dataPK(r.ProjectID, r.Entity.Name)
	keyAttrs := []string{attrPK, attrSK}
	if r.Index == data.ByExportDate {
		partitionAttr, partition = attrGSI1PK, dataExportGSI1PK(r.ProjectID, r.Entity.Name)
		in.IndexName = aws.String(indexGSI1)
		in.KeyConditionExpression = aws.String("GSI1PK = :pk")
		keyAttrs = append(keyAttrs, attrGSI1PK, attrGSI1SK)
	} else {
		in.KeyConditionExpression = aws.String("PK = :pk")
		in.ConsistentRead = aws.Bool(true)
	}
	in.ExpressionAttributeValues = item{":pk": str(partition)}
	start, err := decodeCursor(partitionAttr, partition, r.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit, maxScanned := max(r.Limit, 1), max(r.MaxScanned, r.Limit+1)
	var records []data.Record
	var last item
	scanned := 0
	cursorAt := func(it item) (string, error) {
		key := item{}
		for _, a := range keyAttrs {
			key[a] = it[a]
		}
		return encodeCursor(key)
	}
	for {
		// Unfiltered, one more than the limit tells whether more remain;
		// filtered, read what the scan budget allows.
		want := limit - len(records) + 1
		if r.Match != nil {
			want = min(maxScanned-scanned, 1000)
		}
		in.ExclusiveStartKey, in.Limit = start, aws.Int32(int32(want))
		out, err := s.Client.Query(ctx, in)
		if err != nil {
			var ae smithy.APIError
			if start != nil && errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" {
				return nil, "", page.ErrBadCursor
			}
			return nil, "", err
		}
		// Records an import holds are read as committed: all of them
		// before its commit point or all after, never a mix.
		versions, err := s.committedVersions(ctx, out.Items)
		if err != nil {
			return nil, "", err
		}
		for i, it := range out.Items {
			var rec data.Record
			if versions[i] != nil {
				if rec, err = decodeRecord(r.Entity, versions[i]); err != nil {
					return nil, "", err
				}
			}
			// The delta-sync index holds a locked record at its new
			// version's place: skip it while that is not committed.
			visible := versions[i] != nil && !rec.Deleted && (r.Index != data.ByExportDate || rec.SrvExport == 0)
			if visible && (r.Match == nil || r.Match(rec)) {
				if len(records) == limit {
					next, err := cursorAt(last)
					return records, next, err
				}
				records = append(records, rec)
			}
			last = it
			scanned++
			if scanned >= maxScanned && (i < len(out.Items)-1 || out.LastEvaluatedKey != nil) {
				next, err := cursorAt(last)
				return records, next, err
			}
		}
		if out.LastEvaluatedKey == nil {
			return records, "", nil
		}
		start = out.LastEvaluatedKey
	}
}

// TrackedRecords implements data.Store.
func (s *Records) TrackedRecords(ctx context.Context, number string) ([]data.TrackedRecord, error) {
	p := dynamodb.NewQueryPaginator(s.Client, &dynamodb.QueryInput{
		TableName: &s.Name, KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: item{":pk": str(dataTrackedPK(number))},
	})
	var out []data.TrackedRecord
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range pg.Items {
			get := func(name string) string {
				v, _ := it[name].(*types.AttributeValueMemberS)
				if v == nil {
					return ""
				}
				return v.Value
			}
			out = append(out, data.TrackedRecord{ProjectID: get("projectId"), Entity: get("entity"), Code: get("code")})
		}
	}
	return out, nil
}
