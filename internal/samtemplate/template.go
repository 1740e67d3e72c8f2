// Package samtemplate reads the parts of template.yaml that local tooling
// needs: the functions with their API routes and SQS triggers, the DynamoDB
// tables and the SQS queues. The local stack creates its tables and queues
// from these resource definitions, so the template stays the single source
// of truth for their shape.
package samtemplate

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

const (
	typeFunction = "AWS::Serverless::Function"
	typeTable    = "AWS::DynamoDB::Table"
	typeQueue    = "AWS::SQS::Queue"
)

// Template is a parsed SAM template. Load validates everything the accessors
// return, so they cannot fail.
type Template struct {
	functions []Function
	tables    []table
	queues    []Queue
}

// resource is one entry of the template's Resources section.
type resource struct {
	logicalID  string
	typ        string
	properties *yaml.Node
}

// Load reads and validates the SAM template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	t, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %s: %w", path, err)
	}
	return t, nil
}

func parse(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("empty template")
	}
	root := doc.Content[0]
	if err := expandShortForms(root); err != nil {
		return nil, err
	}
	resources, err := readResources(root)
	if err != nil {
		return nil, err
	}
	types := make(map[string]string, len(resources))
	for _, r := range resources {
		types[r.logicalID] = r.typ
	}
	var globals struct {
		Function struct {
			Environment environment `yaml:"Environment"`
		} `yaml:"Function"`
	}
	if g := mappingValue(root, "Globals"); g != nil {
		if err := g.Decode(&globals); err != nil {
			return nil, fmt.Errorf("section Globals: %w", err)
		}
	}
	t := &Template{}
	for _, r := range resources {
		switch r.typ {
		case typeFunction:
			f, err := parseFunction(r, types, globals.Function.Environment)
			if err != nil {
				return nil, fmt.Errorf("resource %s: %w", r.logicalID, err)
			}
			t.functions = append(t.functions, f)
		case typeTable:
			tb, err := parseTable(r)
			if err != nil {
				return nil, fmt.Errorf("resource %s: %w", r.logicalID, err)
			}
			t.tables = append(t.tables, tb)
		case typeQueue:
			q, err := parseQueue(r, types)
			if err != nil {
				return nil, fmt.Errorf("resource %s: %w", r.logicalID, err)
			}
			t.queues = append(t.queues, q)
		}
	}
	return t, nil
}

// readResources returns the Resources section in document order, which keeps
// every list this package returns stable and in the order authors wrote it.
func readResources(root *yaml.Node) ([]resource, error) {
	section := mappingValue(root, "Resources")
	if section == nil || section.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("no Resources section")
	}
	var out []resource
	for i := 0; i+1 < len(section.Content); i += 2 {
		id, body := section.Content[i].Value, section.Content[i+1]
		var head struct {
			Type string `yaml:"Type"`
		}
		if err := body.Decode(&head); err != nil {
			return nil, fmt.Errorf("resource %s: %w", id, err)
		}
		out = append(out, resource{logicalID: id, typ: head.Type, properties: mappingValue(body, "Properties")})
	}
	return out, nil
}

// decodeProperties decodes a resource's Properties into v; a resource
// without Properties leaves v at its zero value.
func (r resource) decodeProperties(v any) error {
	if r.properties == nil {
		return nil
	}
	if err := r.properties.Decode(v); err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	return nil
}

// mappingValue returns the value for key in a mapping node, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// expandShortForms rewrites CloudFormation's short-form intrinsic functions
// (`!Ref X`, `!GetAtt X.Arn`, `!Sub …`) into their long forms
// (`{Ref: X}`, `{Fn::GetAtt: [X, Arn]}`, `{Fn::Sub: …}`). yaml.v3 refuses to
// decode a custom-tagged node into an ordinary Go value, and after this
// rewrite both spellings of the template read the same way.
func expandShortForms(n *yaml.Node) error {
	for _, c := range n.Content {
		if err := expandShortForms(c); err != nil {
			return err
		}
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return nil
	}
	name := strings.TrimPrefix(n.Tag, "!")
	key := "Fn::" + name
	if name == "Ref" || name == "Condition" {
		key = name
	}
	arg := *n
	arg.Tag = ""
	arg.Style = 0
	if name == "GetAtt" && arg.Kind == yaml.ScalarNode {
		// The short form's scalar argument is "Resource.Attribute"; the
		// long form is a two-item list. Attributes may contain dots, the
		// logical id may not.
		res, att, ok := strings.Cut(arg.Value, ".")
		if !ok {
			return fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", n.Line, arg.Value)
		}
		arg = yaml.Node{Kind: yaml.SequenceNode, Line: n.Line, Column: n.Column, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: res, Line: n.Line},
			{Kind: yaml.ScalarNode, Value: att, Line: n.Line},
		}}
	}
	*n = yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: key, Line: n.Line},
		&arg,
	}}
	return nil
}

// getAtt is the target of a `Fn::GetAtt` (short or long form).
type getAtt struct {
	Resource, Attribute string
}

func (g *getAtt) UnmarshalYAML(n *yaml.Node) error {
	var v map[string][]string
	if err := n.Decode(&v); err != nil || len(v) != 1 || len(v["Fn::GetAtt"]) != 2 {
		return fmt.Errorf("line %d: want !GetAtt Resource.Attribute", n.Line)
	}
	g.Resource, g.Attribute = v["Fn::GetAtt"][0], v["Fn::GetAtt"][1]
	return nil
}

// queueArnRef checks that g is `!GetAtt <queue>.Arn` for a queue in the
// template and returns the queue's logical id.
func (g getAtt) queueArnRef(types map[string]string) (string, error) {
	if g.Attribute != "Arn" || types[g.Resource] != typeQueue {
		return "", fmt.Errorf("!GetAtt %s.%s is not the Arn of an %s in the template", g.Resource, g.Attribute, typeQueue)
	}
	return g.Resource, nil
}
