// Package data is the ERP/CRM data exchange of weavy: the entity
// catalog, records and their validation, the filter language of advanced
// retrieval, and the rules of CRUD and export validation. It knows nothing
// of DynamoDB; its Store is implemented in internal/dynamo.
package data

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
)

// FieldType is a field's type as discovery names it.
type FieldType string

// The field types of weavy.
const (
	Text       FieldType = "text"
	ForeignKey FieldType = "text(foreignkey)"
	Integer    FieldType = "integer"
	Decimal    FieldType = "decimal"
	Boolean    FieldType = "boolean"
	Datetime   FieldType = "datetime"
	Binary     FieldType = "binary"
)

// Server-kept fields every record carries.
const (
	FieldSrvDateUTC = "srvDateUTC"
	FieldSrvExport  = "srvExport"
)

// Languages lists the translation languages, in the order served.
var Languages = []string{"DE", "EN", "FR", "PL"}

// Translation is a label in one language.
type Translation struct {
	LanguageCode string
	Text         string
}

// Field is one column of an entity.
type Field struct {
	Name         string
	Translations []Translation
	Type         FieldType
	// Length is the maximum: characters of text, decoded bytes of binary;
	// 0 for types without one.
	Length int
	// References is the entity a foreign key points to.
	References string
	// ReadOnly fields are kept by the server and refused on write.
	ReadOnly bool
	// Code marks the entity's key, <entity>_ID.
	Code bool
}

// Entity is one table of the exchange.
type Entity struct {
	Name         string
	Translations []Translation
	Fields       []Field
	// Tracks names the field whose tracking number moves the read-only
	// status and statusDate fields (shipments).
	Tracks string
	index  map[string]int
}

// CodeField is the name of the entity's key field.
func (e *Entity) CodeField() string { return e.Name + "_ID" }

// Field returns the named field.
func (e *Entity) Field(name string) (*Field, bool) {
	i, ok := e.index[name]
	if !ok {
		return nil, false
	}
	return &e.Fields[i], true
}

// ForeignKeys lists the entity's foreign-key fields, in field order.
func (e *Entity) ForeignKeys() []*Field {
	var out []*Field
	for i := range e.Fields {
		if e.Fields[i].Type == ForeignKey {
			out = append(out, &e.Fields[i])
		}
	}
	return out
}

// Catalog is every entity of the exchange.
type Catalog struct {
	entities []*Entity
	byName   map[string]*Entity
	// src, when set, is parsed on first use (DefaultCatalog): parsing it
	// at package initialisation made every function's cold start pay for
	// it, data exchange or not.
	src  []byte
	once sync.Once
}

// loaded parses src on first use; it is embedded and checked by the
// tests, so a catalog that does not load is a bug of this package.
func (c *Catalog) loaded() *Catalog {
	c.once.Do(func() {
		if c.src == nil {
			return
		}
		parsed, err := LoadCatalog(c.src)
		if err != nil {
			panic(err)
		}
		c.entities, c.byName = parsed.entities, parsed.byName
	})
	return c
}

// Entities lists the entities, in the catalog's order.
func (c *Catalog) Entities() []*Entity { return c.loaded().entities }

// Entity returns the named entity.
func (c *Catalog) Entity(name string) (*Entity, bool) {
	e, ok := c.loaded().byName[name]
	return e, ok
}

// catalogJSON is catalog.yaml, where the catalog is written and
// explained, as JSON (TestCatalogJSONIsCatalogYAML writes it): the
// functions read it with encoding/json, which they link anyway, rather
// than link a YAML parser whose package init every cold start paid.
//
//go:embed catalog.json
var catalogJSON []byte

// DefaultCatalog is the catalog every project shares.
var DefaultCatalog = &Catalog{src: catalogJSON}

// catalogFile is a catalog as written: in YAML (catalog.yaml) and, for
// LoadCatalog, in JSON.
type catalogFile struct {
	Entities []struct {
		Name         string            `yaml:"name" json:"name"`
		Translations map[string]string `yaml:"translations" json:"translations"`
		Tracks       string            `yaml:"tracks" json:"tracks,omitempty"`
		Fields       []struct {
			Name         string            `yaml:"name" json:"name"`
			Translations map[string]string `yaml:"translations" json:"translations"`
			Type         FieldType         `yaml:"type" json:"type,omitempty"`
			Length       int               `yaml:"length" json:"length,omitempty"`
			References   string            `yaml:"references" json:"references,omitempty"`
			ReadOnly     bool              `yaml:"readOnly" json:"readOnly,omitempty"`
		} `yaml:"fields" json:"fields"`
	} `yaml:"entities" json:"entities"`
}

// identifier is compiled when a catalog is loaded, not at package init:
// the default catalog is parsed on first use, and a function that never
// reads it should not pay for the pattern at its cold start.
var identifier = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
})

// serverFields are added to every entity after its own fields.
var serverFields = []Field{
	{Name: FieldSrvDateUTC, Type: Datetime, ReadOnly: true, Translations: translations(map[string]string{
		"DE": "Letzte Änderung (Server, UTC)", "EN": "Last change (server, UTC)", "FR": "Dernière modification (serveur, UTC)", "PL": "Ostatnia zmiana (serwer, UTC)"})},
	{Name: FieldSrvExport, Type: Integer, ReadOnly: true, Translations: translations(map[string]string{
		"DE": "Exportstatus", "EN": "Export status", "FR": "Statut d'export", "PL": "Status eksportu"})},
}

func translations(m map[string]string) []Translation {
	out := make([]Translation, 0, len(Languages))
	for _, l := range Languages {
		if t, ok := m[l]; ok {
			out = append(out, Translation{LanguageCode: l, Text: t})
		}
	}
	return out
}

// LoadCatalog reads a catalog file in JSON (catalog.json) and checks it:
// names, types, lengths, every language present, foreign keys pointing at
// known entities.
func LoadCatalog(b []byte) (*Catalog, error) {
	var f catalogFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	c := &Catalog{byName: map[string]*Entity{}}
	checkLangs := func(what string, m map[string]string) error {
		if len(m) != len(Languages) {
			return fmt.Errorf("catalog: %s: translations must be exactly %v", what, Languages)
		}
		for _, l := range Languages {
			if m[l] == "" {
				return fmt.Errorf("catalog: %s: missing %s translation", what, l)
			}
		}
		return nil
	}
	for _, fe := range f.Entities {
		if !identifier().MatchString(fe.Name) || c.byName[fe.Name] != nil {
			return nil, fmt.Errorf("catalog: bad or repeated entity name %q", fe.Name)
		}
		if err := checkLangs(fe.Name, fe.Translations); err != nil {
			return nil, err
		}
		e := &Entity{Name: fe.Name, Translations: translations(fe.Translations), Tracks: fe.Tracks, index: map[string]int{}}
		for _, ff := range fe.Fields {
			what := fe.Name + "." + ff.Name
			if err := checkLangs(what, ff.Translations); err != nil {
				return nil, err
			}
			fd := Field{Name: ff.Name, Translations: translations(ff.Translations), Type: ff.Type, Length: ff.Length, ReadOnly: ff.ReadOnly}
			switch {
			case ff.References != "":
				if ff.Type != "" || ff.Length != 0 || ff.Name != ff.References+"_ID" {
					return nil, fmt.Errorf("catalog: %s: a reference is named <entity>_ID and has no type or length", what)
				}
				fd.Type, fd.References = ForeignKey, ff.References
			case ff.Type == Text || ff.Type == Binary:
				if ff.Length <= 0 {
					return nil, fmt.Errorf("catalog: %s: %s needs a length", what, ff.Type)
				}
			case ff.Type == Integer || ff.Type == Decimal || ff.Type == Boolean || ff.Type == Datetime:
				if ff.Length != 0 {
					return nil, fmt.Errorf("catalog: %s: %s takes no length", what, ff.Type)
				}
			default:
				return nil, fmt.Errorf("catalog: %s: unknown type %q", what, ff.Type)
			}
			if err := e.add(fd); err != nil {
				return nil, err
			}
		}
		code := Field{Name: e.CodeField(), Type: Text, Length: MaxCodeBytes, Code: true,
			Translations: translations(map[string]string{"DE": "Code " + fe.Translations["DE"], "EN": fe.Translations["EN"] + " code",
				"FR": "Code " + fe.Translations["FR"], "PL": "Kod: " + fe.Translations["PL"]})}
		for _, fd := range append([]Field{code}, serverFields...) {
			if err := e.add(fd); err != nil {
				return nil, err
			}
		}
		if e.Tracks != "" {
			if fd, ok := e.Field(e.Tracks); !ok || fd.Type != Text {
				return nil, fmt.Errorf("catalog: %s: tracks names no text field", fe.Name)
			}
			for _, name := range []string{FieldStatus, FieldStatusDate} {
				if fd, ok := e.Field(name); !ok || !fd.ReadOnly {
					return nil, fmt.Errorf("catalog: %s: a tracked entity needs the read-only field %s", fe.Name, name)
				}
			}
		}
		c.entities = append(c.entities, e)
		c.byName[e.Name] = e
	}
	for _, e := range c.entities {
		for _, fk := range e.ForeignKeys() {
			if c.byName[fk.References] == nil {
				return nil, fmt.Errorf("catalog: %s.%s references unknown entity %q", e.Name, fk.Name, fk.References)
			}
		}
	}
	return c, nil
}

func (e *Entity) add(fd Field) error {
	if !identifier().MatchString(fd.Name) {
		return fmt.Errorf("catalog: %s: bad field name %q", e.Name, fd.Name)
	}
	if _, dup := e.index[fd.Name]; dup {
		return fmt.Errorf("catalog: %s: field %s declared twice", e.Name, fd.Name)
	}
	e.index[fd.Name] = len(e.Fields)
	e.Fields = append(e.Fields, fd)
	return nil
}

// Fields kept current on a tracked entity by its number's tracking events.
const (
	FieldStatus     = "status"
	FieldStatusDate = "statusDate"
)
