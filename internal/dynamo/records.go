package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/parcelgate/parcelgate/internal/data"
	"github.com/parcelgate/parcelgate/internal/input"
	"github.com/parcelgate/parcelgate/internal/job"
	"github.com/parcelgate/parcelgate/internal/tracking"
)

var _ data.Store = (*Records)(nil)

// Attributes of a record item; its field values sit in the map "v".
const (
	attrRecordCode   = "code"
	attrRecordStamp  = "stamp"
	attrRecordExport = "srvExport"
	attrRecordDelete = "deleted"
	attrRecordValues = "v"
	attrRecordLock   = "lock"
	attrRecordLockAt = "lockUntil"
	// deleteLockTTL is how long a physical delete keeps new references
	// out while it checks for existing ones; a crashed delete frees the
	// record after it.
	deleteLockTTL = 30 * time.Second
)

// recordItem is a record's item in a project of n record shards.
func recordItem(n shards, projectID string, e *data.Entity, r data.Record) (item, error) {
	it, err := recordAttrs(e, r)
	if err != nil {
		return nil, err
	}
	key := recordKey(n, projectID, e.Name, r.Code)
	it[attrPK], it[attrSK] = key[attrPK], key[attrSK]
	if !r.Deleted && r.SrvExport == 0 {
		it[attrGSI1PK] = str(dataExportGSI1PKOf(getS(key, attrPK)))
		it[attrGSI1SK] = str(dataExportGSI1SK(getS(it, attrRecordStamp), r.Code))
	}
	return it, nil
}

// recordAttrs is a record's version: its item without keys or index
// attributes.
func recordAttrs(e *data.Entity, r data.Record) (item, error) {
	stamp := r.SrvDateUTC.UTC().Format(data.StampLayout)
	values := item{}
	for name, v := range r.Values {
		f, ok := e.Field(name)
		if !ok || v == nil {
			continue
		}
		switch x := v.(type) {
		case string:
			values[name] = str(x)
		case int64:
			values[name] = num(x)
		case data.Dec:
			// Kept as text: DynamoDB numbers drop trailing zeros.
			values[name] = str(string(x))
		case bool:
			values[name] = &types.AttributeValueMemberBOOL{Value: x}
		case time.Time:
			values[name] = str(x.UTC().Format(data.StampLayout))
		case []byte:
			values[name] = &types.AttributeValueMemberB{Value: x}
		default:
			return nil, fmt.Errorf("record %s.%s: value of type %T", e.Name, f.Name, v)
		}
	}
	it := item{}
	it[attrRecordCode] = str(r.Code)
	it[attrRecordStamp] = str(stamp)
	it[attrRecordExport] = num(r.SrvExport)
	it[attrRecordValues] = &types.AttributeValueMemberM{Value: values}
	if r.Deleted {
		it[attrRecordDelete] = &types.AttributeValueMemberBOOL{Value: true}
	}
	return it, nil
}

func decodeRecord(e *data.Entity, it item) (data.Record, error) {
	r := data.Record{Entity: e.Name, Values: map[string]any{}}
	s := func(name string) string {
		v, _ := it[name].(*types.AttributeValueMemberS)
		if v == nil {
			return ""
		}
		return v.Value
	}
	r.Code = s(attrRecordCode)
	stamp, err := time.Parse(data.StampLayout, s(attrRecordStamp))
	if err != nil {
		return r, fmt.Errorf("record %s/%s: stamp: %w", e.Name, r.Code, err)
	}
	r.SrvDateUTC = stamp
	if n, ok := it[attrRecordExport].(*types.AttributeValueMemberN); ok {
		r.SrvExport, _ = strconv.ParseInt(n.Value, 10, 64)
	}
	if d, ok := it[attrRecordDelete].(*types.AttributeValueMemberBOOL); ok {
		r.Deleted = d.Value
	}
	m, _ := it[attrRecordValues].(*types.AttributeValueMemberM)
	if m == nil {
		return r, nil
	}
	for name, av := range m.Value {
		f, ok := e.Field(name)
		if !ok {
			continue // a field since removed from the catalog
		}
		switch x := av.(type) {
		case *types.AttributeValueMemberS:
			switch f.Type {
			case data.Decimal:
				r.Values[name] = data.Dec(x.Value)
			case data.Datetime:
				t, err := time.Parse(data.StampLayout, x.Value)
				if err != nil {
					return r, fmt.Errorf("record %s/%s: %s: %w", e.Name, r.Code, name, err)
				}
				r.Values[name] = t
			default:
				r.Values[name] = x.Value
			}
		case *types.AttributeValueMemberN:
			n, err := strconv.ParseInt(x.Value, 10, 64)
			if err != nil {
				return r, fmt.Errorf("record %s/%s: %s: %w", e.Name, r.Code, name, err)
			}
			r.Values[name] = n
		case *types.AttributeValueMemberBOOL:
			r.Values[name] = x.Value
		case *types.AttributeValueMemberB:
			r.Values[name] = x.Value
		}
	}
	return r, nil
}

// Record implements data.Store.
func (s *Records) Record(ctx context.Context, projectID string, e *data.Entity, code string) (data.Record, error) {
	n, err := s.recordShardsOf(ctx, projectID)
	if err != nil {
		return data.Record{}, err
	}
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.Name, Key: recordKey(n, projectID, e.Name, code), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return data.Record{}, err
	}
	if out.Item == nil {
		return data.Record{}, data.ErrNotFound
	}
	items, err := s.committedVersions(ctx, []item{out.Item})
	if err != nil {
		return data.Record{}, err
	}
	if items[0] == nil {
		return data.Record{}, data.ErrNotFound
	}
	return decodeRecord(e, items[0])
}

// liveRecord is the condition a referenced record meets: it exists, is
// not logically deleted, and no physical delete holds it.
// A record an import is inserting has no stamp until it commits.
const liveRecord = "attribute_exists(stamp) AND attribute_not_exists(deleted) AND (attribute_not_exists(lockUntil) OR lockUntil < :now)"

// SaveRecord implements data.Store: one transaction holds the record, the
// checks of its new foreign keys and its reference and tracked items.
func (s *Records) SaveRecord(ctx context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record) error {
	n, err := s.recordShardsOf(ctx, projectID)
	if err != nil {
		return err
	}
	it, err := recordItem(n, projectID, e, rec)
	if err != nil {
		return err
	}
	put := &types.Put{TableName: &s.Name, Item: it}
	if old == nil {
		put.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		put.ConditionExpression = aws.String("stamp = :stamp AND " + unlocked)
		put.ExpressionAttributeValues = item{":stamp": str(old.SrvDateUTC.UTC().Format(data.StampLayout))}
	}
	side, sideChecked, err := s.refActions(ctx, projectID, e, old, rec, true)
	if err != nil {
		return err
	}
	actions := append([]types.TransactWriteItem{{Put: put}}, side...)
	actions = append(actions, s.licenceReleased(projectID, e, old, rec.Deleted)...)
	checked := make(map[int]*data.Field, len(sideChecked))
	for i, fk := range sideChecked {
		checked[i+1] = fk
	}
	if len(actions) == 1 {
		return writeAgain(func() error {
			_, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: &s.Name, Item: it, ConditionExpression: put.ConditionExpression, ExpressionAttributeValues: put.ExpressionAttributeValues,
			})
			if isConditionFailed(err) {
				return s.whyRefused(ctx, put.Item, versionStamp(old))
			}
			return err
		})
	}
	cancelled := func(reasons []types.CancellationReason) error {
		if failed(reasons, 0) {
			return s.whyRefused(ctx, put.Item, versionStamp(old))
		}
		for i, fk := range checked {
			if failed(reasons, i) {
				v, _ := rec.Values[fk.Name].(string)
				return &input.Error{Field: fk.Name, Message: fmt.Sprintf("%s %q names no %s record", fk.Name, v, fk.References), Labelled: true}
			}
		}
		return nil
	}
	return writeAgain(func() error { return s.transact(ctx, actions, cancelled) })
}

// refActions are the writes that go with a record's new version: the
// reference items of its foreign keys, its tracked item and the
// subscription of its tracking number; withChecks adds a condition check
// per new foreign key, whose field checked names by action index.
func (s *recordTable) refActions(ctx context.Context, projectID string, e *data.Entity, old *data.Record, rec data.Record, withChecks bool) ([]types.TransactWriteItem, map[int]*data.Field, error) {
	var actions []types.TransactWriteItem
	// checked[i] names the foreign key field checked by actions[i].
	checked := map[int]*data.Field{}
	var oldValues map[string]any
	if old != nil {
		oldValues = old.Values
	}
	now := num(time.Now().Unix())
	n, err := s.recordShardsOf(ctx, projectID)
	if err != nil {
		return nil, nil, err
	}
	for _, fk := range e.ForeignKeys() {
		nv, _ := rec.Values[fk.Name].(string)
		ov, _ := oldValues[fk.Name].(string)
		if nv == ov {
			continue
		}
		if nv != "" {
			if withChecks {
				checked[len(actions)] = fk
				actions = append(actions, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
					TableName: &s.Name, Key: recordKey(n, projectID, fk.References, nv),
					ConditionExpression:       aws.String(liveRecord),
					ExpressionAttributeValues: item{":now": now},
				}})
			}
			actions = append(actions,
				types.TransactWriteItem{Put: &types.Put{TableName: &s.Name, Item: item{
					attrPK: str(dataRefPK(projectID, fk.References, nv)), attrSK: str(dataRefSK(e.Name, fk.Name, rec.Code)),
					"entity": str(e.Name), "field": str(fk.Name), "code": str(rec.Code),
				}}})
		}
		if ov != "" {
			actions = append(actions, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Name, Key: item{
				attrPK: str(dataRefPK(projectID, fk.References, ov)), attrSK: str(dataRefSK(e.Name, fk.Name, rec.Code)),
			}}})
		}
	}
	oldTracked, newTracked := "", e.TrackingKey(rec)
	if old != nil {
		oldTracked = e.TrackingKey(*old)
	}
	if oldTracked != newTracked {
		if oldTracked != "" {
			actions = append(actions, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Name, Key: item{
				attrPK: str(dataTrackedPK(oldTracked)), attrSK: str(dataTrackedSK(projectID, e.Name, rec.Code)),
			}}})
		}
		if newTracked != "" {
			actions = append(actions, types.TransactWriteItem{Put: &types.Put{TableName: &s.Name, Item: item{
				attrPK: str(dataTrackedPK(newTracked)), attrSK: str(dataTrackedSK(projectID, e.Name, rec.Code)),
				"projectId": str(projectID), "entity": str(e.Name), "code": str(rec.Code),
			}}})
			// The number is subscribed to the project as a job ADD would
			// (40 days from the change), so its status keeps arriving.
			if _, c, err := tracking.Identify(newTracked); err == nil {
				count, err := s.shardsOf(ctx, projectID)
				if err != nil {
					return nil, nil, err
				}
				now := rec.SrvDateUTC.UTC()
				expiryPK, expirySK := expiryKeys(newTracked, string(c), now.Add(job.AssociationTTL))
				av, err := attributevalue.MarshalMap(associationItem{
					PK: associationPK(projectID, count.of(newTracked)), SK: associationSK(newTracked),
					GSI3PK: expiryPK, GSI3SK: expirySK,
					ProjectID: projectID, TrackingNumber: newTracked, Carrier: string(c),
					AddedAt: formatTime(now), ExpiresAt: now.Add(job.AssociationTTL).Unix(),
				})
				if err != nil {
					return nil, nil, err
				}
				delete(av, "jobId") // no job: the API shows null
				actions = append(actions, types.TransactWriteItem{Put: &types.Put{TableName: &s.Name, Item: av}},
					s.subscribed(job.Association{ProjectID: projectID, TrackingNumber: newTracked, Carrier: string(c), AddedAt: now, ExpiresAt: now.Add(job.AssociationTTL)}))
			}
		}
	}
	return actions, checked, nil
}

// RemoveRecord implements data.Store. The record is first locked, so no
// new reference can commit; then the references are counted; then the
// record and its own reference and tracked items go in one transaction.
func (s *Records) RemoveRecord(ctx context.Context, projectID string, e *data.Entity, old data.Record) error {
	n, err := s.recordShardsOf(ctx, projectID)
	if err != nil {
		return err
	}
	key := recordKey(n, projectID, e.Name, old.Code)
	token := uuid.NewString()
	err = writeAgain(func() error {
		_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.Name, Key: key,
			UpdateExpression:         aws.String("SET #lock = :tok, lockUntil = :until"),
			ConditionExpression:      aws.String("stamp = :stamp AND " + unlocked),
			ExpressionAttributeNames: map[string]string{"#lock": attrRecordLock},
			ExpressionAttributeValues: item{
				":tok": str(token), ":until": num(time.Now().Add(deleteLockTTL).Unix()),
				":stamp": str(versionStamp(&old)),
			},
		})
		if isConditionFailed(err) {
			return s.whyRefused(ctx, key, versionStamp(&old))
		}
		return err
	})
	if err != nil {
		return err
	}
	refs, err := s.Client.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.Name, KeyConditionExpression: aws.String("PK = :pk"), ConsistentRead: aws.Bool(true), Limit: aws.Int32(1),
		ExpressionAttributeValues: item{":pk": str(dataRefPK(projectID, e.Name, old.Code))},
	})
	if err == nil && len(refs.Items) > 0 {
		err = data.ErrReferenced
	}
	if err != nil {
		_, uerr := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.Name, Key: key,
			UpdateExpression:          aws.String("REMOVE #lock, lockUntil"),
			ConditionExpression:       aws.String("#lock = :tok"),
			ExpressionAttributeNames:  map[string]string{"#lock": attrRecordLock},
			ExpressionAttributeValues: item{":tok": str(token)},
		})
		if uerr != nil && !isConditionFailed(uerr) {
			return errors.Join(err, uerr)
		}
		return err
	}
	actions := []types.TransactWriteItem{{Delete: &types.Delete{
		TableName: &s.Name, Key: key,
		ConditionExpression:       aws.String("#lock = :tok"),
		ExpressionAttributeNames:  map[string]string{"#lock": attrRecordLock},
		ExpressionAttributeValues: item{":tok": str(token)},
	}}}
	for _, fk := range e.ForeignKeys() {
		if v, _ := old.Values[fk.Name].(string); v != "" {
			actions = append(actions, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Name, Key: item{
				attrPK: str(dataRefPK(projectID, fk.References, v)), attrSK: str(dataRefSK(e.Name, fk.Name, old.Code)),
			}}})
		}
	}
	if n := e.TrackingKey(old); n != "" {
		actions = append(actions, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Name, Key: item{
			attrPK: str(dataTrackedPK(n)), attrSK: str(dataTrackedSK(projectID, e.Name, old.Code)),
		}}})
	}
	actions = append(actions, s.licenceReleased(projectID, e, &old, true)...)
	return s.transact(ctx, actions, func(reasons []types.CancellationReason) error {
		if failed(reasons, 0) {
			return data.ErrChanged
		}
		return nil
	})
}

// MarkExported implements data.Store.
func (s *Records) MarkExported(ctx context.Context, projectID string, e *data.Entity, code string, stamp time.Time, value int64) (data.Conflict, error) {
	stampText := stamp.UTC().Format(data.StampLayout)
	n, err := s.recordShardsOf(ctx, projectID)
	if err != nil {
		return data.Conflict{}, err
	}
	key := recordKey(n, projectID, e.Name, code)
	in := &dynamodb.UpdateItemInput{
		TableName: &s.Name, Key: key,
		ConditionExpression:       aws.String("stamp = :stamp AND attribute_not_exists(deleted) AND attribute_not_exists(" + attrTx + ")"),
		ExpressionAttributeValues: item{":stamp": str(stampText), ":v": num(value)},
	}
	if value == 0 {
		in.UpdateExpression = aws.String("SET srvExport = :v, GSI1PK = :gpk, GSI1SK = :gsk")
		in.ExpressionAttributeValues[":gpk"] = str(dataExportGSI1PKOf(getS(key, attrPK)))
		in.ExpressionAttributeValues[":gsk"] = str(dataExportGSI1SK(stampText, code))
	} else {
		in.UpdateExpression = aws.String("SET srvExport = :v REMOVE GSI1PK, GSI1SK")
	}
	for attempt := 1; ; attempt++ {
		_, err := s.Client.UpdateItem(ctx, in)
		if err == nil {
			return data.Conflict{}, nil
		}
		if !isConditionFailed(err) {
			return data.Conflict{}, err
		}
		again, err := s.exportAgain(ctx, in.Key, stampText)
		if err != nil {
			return data.Conflict{}, err
		}
		if !again || attempt == lockAttempts {
			break
		}
	}
	cur, err := s.Record(ctx, projectID, e, code)
	switch {
	case errors.Is(err, data.ErrNotFound) || (err == nil && cur.Deleted):
		return data.Conflict{Reason: data.ReasonNotFound}, nil
	case err != nil:
		return data.Conflict{}, err
	}
	return data.Conflict{Reason: data.ReasonModified, SrvDateUTC: cur.SrvDateUTC}, nil
}

// exportAgain says whether an acknowledgement of the version at stamp,
// refused on the record at key, may be sent again: the record is still
// that version, live, and the import lock that refused it is gone
// (settled here, its import finished, or released since the write).
func (s *Records) exportAgain(ctx context.Context, key item, stamp string) (bool, error) {
	raw, err := s.getRaw(ctx, key)
	if err != nil || raw == nil || getS(raw, attrRecordStamp) != stamp || raw[attrRecordDelete] != nil {
		return false, err
	}
	if _, locked := raw[attrTx]; !locked {
		return true, nil
	}
	return s.settle(ctx, raw)
}
