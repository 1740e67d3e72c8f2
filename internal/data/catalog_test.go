package data

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite catalog.json from catalog.yaml")

// TestCatalogJSONIsCatalogYAML keeps catalog.json, which the functions
// embed, what catalog.yaml says. After changing catalog.yaml:
// go test ./internal/data/ -run TestCatalogJSONIsCatalogYAML -update
func TestCatalogJSONIsCatalogYAML(t *testing.T) {
	src, err := os.ReadFile("catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := catalogFromYAML(t, src)
	if *update {
		if err := os.WriteFile("catalog.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(catalogJSON, want) {
		t.Errorf("catalog.json differs from catalog.yaml: go test ./internal/data/ -run TestCatalogJSONIsCatalogYAML -update")
	}
}

// catalogFromYAML is a catalog written in YAML, as catalog.yaml is, in
// the JSON that LoadCatalog reads.
func catalogFromYAML(t *testing.T, doc []byte) []byte {
	t.Helper()
	var f catalogFile
	if err := yaml.Unmarshal(doc, &f); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// Weavy's customer example, its missing commas mended.
const seedCustomer = `{
  "entityName": "customer",
  "translations": [
    {"languageCode": "DE","text": "Kunde"},
    {"languageCode": "EN","text": "Customer"},
    {"languageCode": "FR","text": "Client"}
  ],
  "fields": [
     {"fieldName": "CodeCustomer",
      "translations": [{"languageCode": "DE","text": "Kunde"}, {"languageCode": "EN","text": "Account code"}, {"languageCode": "FR","text": "Code Tiers"}],
      "fieldType": "text", "fieldLength": 255},
     {"fieldName": "baseuser_ID",
      "translations": [{"languageCode": "DE","text": "Basis / Benutzer"}, {"languageCode": "EN","text": "Base / User"}, {"languageCode": "FR","text": "Base / Utilisateur"}],
      "fieldType": "text(foreignkey)", "fieldLength": null},
     {"fieldName": "name",
      "translations": [{"languageCode": "DE","text": "Name"}, {"languageCode": "EN","text": "Name"}, {"languageCode": "FR","text": "Nom"}],
      "fieldType": "text", "fieldLength": 255}
  ]
}`

type seedTranslation struct {
	LanguageCode string `json:"languageCode"`
	Text         string `json:"text"`
}

func TestCatalogStartsCustomerWithSeedExample(t *testing.T) {
	var seed struct {
		EntityName   string            `json:"entityName"`
		Translations []seedTranslation `json:"translations"`
		Fields       []struct {
			FieldName    string            `json:"fieldName"`
			Translations []seedTranslation `json:"translations"`
			FieldType    string            `json:"fieldType"`
			FieldLength  *int              `json:"fieldLength"`
		} `json:"fields"`
	}
	if err := json.Unmarshal([]byte(seedCustomer), &seed); err != nil {
		t.Fatal(err)
	}
	e, ok := DefaultCatalog.Entity("customer")
	if !ok {
		t.Fatal("no customer entity")
	}
	prefix := func(got []Translation, want []seedTranslation) bool {
		if len(got) < len(want) {
			return false
		}
		for i, w := range want {
			if got[i].LanguageCode != w.LanguageCode || got[i].Text != w.Text {
				return false
			}
		}
		return true
	}
	if !prefix(e.Translations, seed.Translations) {
		t.Errorf("customer translations %v, seed %v", e.Translations, seed.Translations)
	}
	for i, sf := range seed.Fields {
		f := e.Fields[i]
		if f.Name != sf.FieldName || string(f.Type) != sf.FieldType || !prefix(f.Translations, sf.Translations) {
			t.Errorf("field %d: %+v, seed %+v", i, f, sf)
		}
		length := f.Length
		if (sf.FieldLength == nil) != (length == 0) || (sf.FieldLength != nil && *sf.FieldLength != length) {
			t.Errorf("field %s length %d, seed %v", f.Name, length, sf.FieldLength)
		}
	}
}

func TestCatalogTranslatesEveryEntityAndFieldInFourLanguages(t *testing.T) {
	names := []string{}
	for _, e := range DefaultCatalog.Entities() {
		names = append(names, e.Name)
		check := func(what string, ts []Translation) {
			var langs []string
			for _, tr := range ts {
				langs = append(langs, tr.LanguageCode)
				if tr.Text == "" {
					t.Errorf("%s: empty %s translation", what, tr.LanguageCode)
				}
			}
			if !slices.Equal(langs, Languages) {
				t.Errorf("%s: languages %v, want %v", what, langs, Languages)
			}
		}
		check(e.Name, e.Translations)
		for _, f := range e.Fields {
			check(e.Name+"."+f.Name, f.Translations)
		}
		for _, name := range []string{e.CodeField(), FieldSrvDateUTC, FieldSrvExport} {
			if _, ok := e.Field(name); !ok {
				t.Errorf("%s lacks %s", e.Name, name)
			}
		}
	}
	for _, want := range []string{"baseuser", "customer", "order", "shipment", "confreport", "document"} {
		if !slices.Contains(names, want) {
			t.Errorf("no entity %s", want)
		}
	}
	sh, _ := DefaultCatalog.Entity("shipment")
	for _, name := range []string{FieldStatus, FieldStatusDate} {
		if f, ok := sh.Field(name); !ok || !f.ReadOnly {
			t.Errorf("shipment.%s must be read-only", name)
		}
	}
}

func TestLoadCatalogRefusesBrokenDeclarations(t *testing.T) {
	tr := `{DE: a, EN: a, FR: a, PL: a}`
	for name, doc := range map[string]string{
		"unknown reference":   `entities: [{name: a, translations: ` + tr + `, fields: [{name: b_ID, translations: ` + tr + `, references: b}]}]`,
		"missing language":    `entities: [{name: a, translations: {DE: a, EN: a, FR: a}, fields: []}]`,
		"text without length": `entities: [{name: a, translations: ` + tr + `, fields: [{name: x, translations: ` + tr + `, type: text}]}]`,
		"unknown type":        `entities: [{name: a, translations: ` + tr + `, fields: [{name: x, translations: ` + tr + `, type: money}]}]`,
		"duplicate field":     `entities: [{name: a, translations: ` + tr + `, fields: [{name: a_ID, translations: ` + tr + `, type: integer}]}]`,
	} {
		if _, err := LoadCatalog(catalogFromYAML(t, []byte(doc))); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
