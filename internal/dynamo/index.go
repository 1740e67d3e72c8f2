package dynamo

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/parcelgate/parcelgate/internal/sorttime"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parcelgate/parcelgate/internal/request"
)

// The tracker's index (GSI2). Every request item carries
//
//	GSI2PK = CLIENT#<client>   GSI2SK = <receivedAt>#<id>
//
// and beside it, in the request's partition, one small marker item per
// search key the request answers to, with
//
//	PK = REQ#<id>  SK = IDX#<key>  GSI2PK = CLIENT#<client>#<key>  GSI2SK = <receivedAt>#<id>
//
// where <key> is TS#<type>#<status> for each facet (message type and status
// occurring together), TS#*#<status> for each status, and REF#<reference>
// for the batch reference and each message's external reference. Every
// tracker criterion is then a Query on one GSI2 partition of the caller's
// client over a time range: its cost follows the answer, not the client's
// history, and no key can reach another client.

const (
	attrGSI2PK = "GSI2PK"
	attrGSI2SK = "GSI2SK"
	indexGSI2  = "GSI2"
	skIndex    = "IDX#"

	// maxIndexedTypes bounds the message types one request is indexed
	// under: unknown types are caller-chosen strings.
	maxIndexedTypes = 20
	maxIndexedKey   = 200
)

func clientGSI2PK(clientID, key string) string {
	if key == "" {
		return "CLIENT#" + clientID
	}
	return "CLIENT#" + clientID + "#" + key
}

func requestGSI2SK(receivedAt time.Time, id string) string {
	return sorttime.Format(receivedAt) + "#" + id
}

// FacetKey is the index key of requests with messages of a type and status.
func FacetKey(f request.Facet) string { return "TS#" + f.Type + "#" + string(f.Status) }

// RefKey is the index key of requests with a batch or message reference.
func RefKey(ref string) string { return "REF#" + ref }

// facetKeys returns the keys of facets, with the any-type key of each status.
func facetKeys(facets []request.Facet) []string {
	set := map[string]bool{}
	typesSeen := map[string]bool{}
	for _, f := range facets {
		set[FacetKey(request.Facet{Type: request.AnyType, Status: f.Status})] = true
		if !typesSeen[f.Type] && len(typesSeen) >= maxIndexedTypes {
			continue
		}
		typesSeen[f.Type] = true
		set[FacetKey(f)] = true
	}
	return sortedSet(set)
}

func refKeys(refs []string) []string {
	set := map[string]bool{}
	for _, r := range refs {
		if r != "" {
			set[RefKey(r)] = true
		}
	}
	return sortedSet(set)
}

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		if len(k) <= maxIndexedKey {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func markerItem(id, clientID string, receivedAt time.Time, expires int64, key string) item {
	return item{
		attrPK:      str(requestPK(id)),
		attrSK:      str(skIndex + key),
		attrGSI2PK:  str(clientGSI2PK(clientID, key)),
		attrGSI2SK:  str(requestGSI2SK(receivedAt, id)),
		"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(expires, 10)},
	}
}

// markerWrites are the puts of keys and the deletes of stale, except
// stale keys that are also put.
func markerWrites(id, clientID string, receivedAt time.Time, expires int64, keys, stale []string) []types.WriteRequest {
	var out []types.WriteRequest
	keep := map[string]bool{}
	for _, k := range keys {
		keep[k] = true
		out = append(out, types.WriteRequest{PutRequest: &types.PutRequest{Item: markerItem(id, clientID, receivedAt, expires, k)}})
	}
	for _, k := range stale {
		if !keep[k] {
			out = append(out, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: item{
				attrPK: str(requestPK(id)), attrSK: str(skIndex + k),
			}}})
		}
	}
	return out
}

// reindex moves a request's facet markers from before to after.
func (s *Table) reindex(ctx context.Context, id, clientID string, receivedAt time.Time, expires int64, before, after []request.Facet) error {
	return s.batchWrite(ctx, markerWrites(id, clientID, receivedAt, expires, facetKeys(after), facetKeys(before)))
}
