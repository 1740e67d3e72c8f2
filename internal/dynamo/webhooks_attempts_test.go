package dynamo

import (
	"fmt"
	"strings"
	"testing"
)

// The key a retry carries comes back from the webhook queue: whatever it
// holds names an item of the retry's own endpoint, in one of its shards
// or its legacy partition, and a key PutAttempt made names its item.
func FuzzAttemptKey(f *testing.F) {
	for _, k := range []string{
		"07/2026-03-01T12:00:00.000000000Z#0001#a0adbfe122f3116e",
		"2026-03-01T12:00:00.000000000Z#0001#a0adbfe122f3116e",
		"64/x", "-1/x", "+0/x", "7/x", "007/x", "../x", "", "/", "63/",
	} {
		f.Add(k)
	}
	partitions := map[string]bool{legacyAttemptPK("wh_1"): true}
	for shard := range attemptShards {
		partitions[attemptPK("wh_1", shard)] = true
	}
	f.Fuzz(func(t *testing.T, key string) {
		it, ok := attemptKey("wh_1", key)
		pk, sk := getS(it, attrPK), getS(it, attrSK)
		if ok != (sk != "" && len(sk) <= 1024) {
			t.Fatalf("key %q: sort key %q usable %v", key, sk, ok)
		}
		if !partitions[pk] {
			t.Fatalf("key %q names partition %q, not one of the endpoint's", key, pk)
		}
		if pk == legacyAttemptPK("wh_1") && sk != key {
			t.Fatalf("key %q read as the legacy sort key %q", key, sk)
		}
		if pk != legacyAttemptPK("wh_1") && (!strings.HasSuffix(key, "/"+sk) || fmt.Sprintf("%s/%s", pk[len(pk)-2:], sk) != key) {
			t.Fatalf("key %q read as %q %q", key, pk, sk)
		}
	})
}
