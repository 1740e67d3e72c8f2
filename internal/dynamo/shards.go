package dynamo

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
)

// A project's associations (ASSOC#), its tag index (GSI1 TAGGED#) and its
// notifications (NOTIFY#) spread over the same number of shards, by a hash
// of the number. The count is fixed when the project is created and kept
// on its project item (associationShards): a project created now gets 48,
// and a project item without it (every project created before the count
// grew) keeps 16, the count its items were written with. "Is N associated
// to P" stays one GetItem on the shard the project's count gives, so the
// items of a project written under 16 shards are all found where they are
// and no key moves; changing the modulus of an existing project would
// strand most of them.
//
// Why 48: at 100,000 events/s, with one client sending a third of the
// traffic, its project's tag moves, job ADDs and notification records put
// 1,762 write units a second on the hottest of 16 shards; in 48 the
// hottest takes 62 % of a partition's limit (docs/scale.md), in 64 it
// would take 46 % for a third more Queries on every whole-project read.
// Reading the whole of a project (its numbers, by tag or not, and a page
// of its event feed) costs a Query per shard: 48 for a project created
// now, 16 for one created before.
const (
	associationShards       = 48
	legacyAssociationShards = 16
)

// shards is a project's count of association shards.
type shards int

// of is the shard of number.
func (n shards) of(number string) int {
	h := fnv.New32a()
	h.Write([]byte(number))
	return int(h.Sum32() % uint32(n))
}

// layout is a project's counts of association shards and of record shards
// (keys_data.go), both fixed when it is created.
type layout struct{ associations, records shards }

// shardCounts remembers the projects' counts in the process: a count never
// changes once its project exists, so it is read once per project and
// process (one strongly consistent BatchGetItem for the projects a call
// names that the process has not met), never again. Projects are few (a
// client's handful), so the memo is not bounded.
type shardCounts struct{ m sync.Map }

// shardsOf is the count of projectID's association shards.
func (s *Table) shardsOf(ctx context.Context, projectID string) (shards, error) {
	counts, err := s.shardsOfAll(ctx, []string{projectID})
	return counts[projectID], err
}

// recordShardsOf is the count of projectID's record shards, read with the
// association count (and remembered with it).
func (s *Table) recordShardsOf(ctx context.Context, projectID string) (shards, error) {
	if _, err := s.shardsOfAll(ctx, []string{projectID}); err != nil {
		return 0, err
	}
	if l, ok := s.counts.m.Load(projectID); ok {
		return l.(layout).records, nil
	}
	return legacyRecordShards, nil
}

// shardsOfAll is the count of each project's association shards. A
// project with no item (none is ever deleted: only a test names one it did
// not create) counts 16 (and 1 record shard), unremembered, so creating it later is seen.
func (s *Table) shardsOfAll(ctx context.Context, projectIDs []string) (map[string]shards, error) {
	out := make(map[string]shards, len(projectIDs))
	var keys []item
	for _, p := range projectIDs {
		if _, seen := out[p]; seen {
			continue
		}
		if l, ok := s.counts.m.Load(p); ok {
			out[p] = l.(layout).associations
			continue
		}
		out[p] = legacyAssociationShards
		keys = append(keys, itemKey(projectPK(p), skProject))
	}
	if len(keys) == 0 {
		return out, nil
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		p := getS(it, "projectId")
		l := layout{shards(getN(it, attrAssociationShards)), shards(getN(it, attrRecordShards))}
		if l.associations < 0 || l.records < 0 {
			return nil, fmt.Errorf("item %s %s: %d association, %d record shards", projectPK(p), skProject, l.associations, l.records)
		}
		if l.associations == 0 {
			l.associations = legacyAssociationShards
		}
		if l.records == 0 {
			l.records = legacyRecordShards
		}
		s.counts.m.Store(p, l)
		out[p] = l.associations
	}
	return out, nil
}

// attrAssociationShards and attrRecordShards hold the counts on the
// project item.
const (
	attrAssociationShards = "associationShards"
	attrRecordShards      = "recordShards"
)
