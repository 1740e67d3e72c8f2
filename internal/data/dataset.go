package data

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// DatasetNode is one record of a dataset document and its children.
type DatasetNode struct {
	entity   *Entity
	write    Write
	row      string
	parent   *DatasetNode
	link     *Field // the child's foreign key to its parent
	children []*DatasetNode
}

// ParseDataset reads a dataset import: the main record, then its
// children at any depth, each child linked to its parent by its foreign
// key to the parent's entity (set from the parent's code).
func (c *Catalog) ParseDataset(body []byte) (*DatasetNode, error) {
	return c.parseNode(body, "", nil)
}

func (c *Catalog) parseNode(body []byte, row string, parent *DatasetNode) (*DatasetNode, error) {
	at := func(field string) string {
		if row == "" {
			return field
		}
		return row + "." + field
	}
	order, raw, err := DecodeObject(body)
	if err != nil {
		return nil, errorf(at("(body)"), "%s", err.Error())
	}
	for _, k := range order {
		if k != "entityName" && k != "data" && k != "children" {
			return nil, errorf(at(k), "unknown member; a dataset node has entityName, data and children")
		}
	}
	var name string
	if err := json.Unmarshal(raw["entityName"], &name); err != nil || name == "" {
		return nil, errorf(at("entityName"), "entityName is required: the entity of this record")
	}
	e, ok := c.Entity(name)
	if !ok {
		return nil, errorf(at("entityName"), "no entity %q; GET .../entities lists them", name)
	}
	if raw["data"] == nil {
		return nil, errorf(at("data"), "data is required: the record's fields, with its code %s", e.CodeField())
	}
	dataRow := at("data")
	w, err := rowWrite(e, raw["data"], dataRow)
	if err != nil {
		return nil, err
	}
	n := &DatasetNode{entity: e, write: w, row: dataRow, parent: parent}
	if parent != nil {
		for _, fk := range e.ForeignKeys() {
			if fk.References == parent.entity.Name {
				n.link = fk
				break
			}
		}
		if n.link == nil {
			return nil, errorf(at("entityName"), "%s has no foreign key to %s, so it cannot be its child", e.Name, parent.entity.Name)
		}
		if v, sent := w.Values[n.link.Name]; sent && v != parent.write.Code {
			return nil, errorf(dataRow+"."+n.link.Name, "%s is the parent's code %q; leave it out", n.link.Name, parent.write.Code)
		}
		w.Values[n.link.Name] = parent.write.Code
	}
	if rc := raw["children"]; rc != nil && string(rc) != "null" {
		var kids []json.RawMessage
		if err := json.Unmarshal(rc, &kids); err != nil {
			return nil, errorf(at("children"), "children must be an array of dataset nodes")
		}
		for i, k := range kids {
			child, err := c.parseNode(k, at(fmt.Sprintf("children[%d]", i)), n)
			if err != nil {
				return nil, err
			}
			n.children = append(n.children, child)
		}
	}
	return n, nil
}

// Dataset imports a dataset document atomically and differentially:
// unchanged records are not rewritten; for each parent of the document,
// its stored children of an entity the document cites (as a child of
// that parent's entity) that the document leaves out are deleted
// (logically).
func (s Service) Dataset(ctx context.Context, projectID string, root *DatasetNode) (Outcome, error) {
	var nodes []*DatasetNode
	var walk func(*DatasetNode)
	walk = func(n *DatasetNode) {
		nodes = append(nodes, n)
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(root)
	type key struct{ entity, code string }
	seen := map[key]string{}
	// childLinks[parent entity] lists the entities (and their foreign
	// keys) the document cites as its children.
	childLinks := map[string][]childLink{}
	var intents []Intent
	for i, n := range nodes {
		if i > 0 && n.entity == root.entity {
			return Outcome{}, errorf(n.row, "only the main record may be a %s: a dataset has one record of its main entity", root.entity.Name)
		}
		k := key{n.entity.Name, n.write.Code}
		if first, dup := seen[k]; dup {
			return Outcome{}, errorf(n.row+"."+n.entity.CodeField(), "%s %q already appears at %s", n.entity.CodeField(), n.write.Code, first)
		}
		seen[k] = n.row
		if n.parent != nil {
			l := childLink{n.entity, n.link}
			if !slices.Contains(childLinks[n.parent.entity.Name], l) {
				childLinks[n.parent.entity.Name] = append(childLinks[n.parent.entity.Name], l)
			}
		}
		intents = append(intents, Intent{Entity: n.entity, Code: n.write.Code, Row: n.row, Apply: upsert(n.write.Values)})
	}
	// Children left out of the document, found by their references.
	for _, n := range nodes {
		links := childLinks[n.entity.Name]
		if len(links) == 0 {
			continue
		}
		refs, err := s.Imports.Referrers(ctx, projectID, n.entity, n.write.Code)
		if err != nil {
			return Outcome{}, err
		}
		for _, r := range refs {
			e, ok := s.Catalog.Entity(r.Entity)
			if !ok {
				continue
			}
			f, _ := e.Field(r.Field)
			if f == nil || !slices.Contains(links, childLink{e, f}) {
				continue
			}
			if _, kept := seen[key{r.Entity, r.Code}]; kept {
				continue
			}
			intents = append(intents, Intent{Entity: e, Code: r.Code, Row: n.row, Apply: deleteIfLive})
		}
	}
	return s.run(ctx, projectID, KindDataset, intents)
}

// childLink is an entity cited as a child, by its foreign key.
type childLink struct {
	entity *Entity
	field  *Field
}

// deleteIfLive deletes a record logically; one already gone stays so.
func deleteIfLive(old *Record) (Record, error) {
	if old == nil {
		return Record{Deleted: true}, nil
	}
	rec := *old
	rec.Deleted = true
	return rec, nil
}
