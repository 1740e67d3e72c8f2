package memory

import (
	"encoding/base64"
	"encoding/json"

	"github.com/parcelgate/parcelgate/internal/page"
)

// A partition cursor names the last item of a page by its sort key, with
// the partition (project, principal) the list belongs to, as DynamoDB's
// cursors do: a cursor cannot move a list to another partition, let alone
// to another client's data.
type partitionCursor struct {
	Partition string `json:"p"`
	After     string `json:"a"`
}

func encodePartitionCursor(partition, after string) string {
	b, _ := json.Marshal(partitionCursor{Partition: partition, After: after})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePartitionCursor returns the sort key a cursor of partition names
// ("" for the first page), or page.ErrBadCursor.
func decodePartitionCursor(partition, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", page.ErrBadCursor
	}
	var c partitionCursor
	if err := json.Unmarshal(b, &c); err != nil || c.Partition != partition || c.After == "" {
		return "", page.ErrBadCursor
	}
	return c.After, nil
}

// partitionPage returns one page of keys, sorted in list order (ascending
// or descending by key), after the cursor's key: the page's keys and the
// next cursor ("" when nothing follows).
func partitionPage(partition string, keys []string, descending bool, req page.Request) ([]string, string, error) {
	after, err := decodePartitionCursor(partition, req.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := req.Limit
	if limit <= 0 || limit > page.MaxLimit {
		limit = page.DefaultLimit
	}
	var out []string
	for _, k := range keys {
		if after != "" && ((!descending && k <= after) || (descending && k >= after)) {
			continue
		}
		if len(out) == limit {
			return out, encodePartitionCursor(partition, out[len(out)-1]), nil
		}
		out = append(out, k)
	}
	return out, "", nil
}
