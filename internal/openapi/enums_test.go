package openapi

import (
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/parcelgate/parcelgate/internal/carrier"
	"github.com/parcelgate/parcelgate/internal/tag"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// TestEnumsMatchTheCode keeps the document's enums of values the code
// defines equal to the code's lists, so a tag, subtag, event type or
// carrier added in one place cannot be missing from the other.
func TestEnumsMatchTheCode(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Enum []string `yaml:"enum"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(Spec(), &doc); err != nil {
		t.Fatal(err)
	}
	var tags, subtags []string
	for _, x := range tag.Tags() {
		tags = append(tags, string(x))
	}
	for _, x := range tag.Subtags() {
		subtags = append(subtags, string(x.Subtag))
	}
	var carriers []string
	for _, c := range carrier.Registry() {
		carriers = append(carriers, string(c.Code))
	}
	for name, want := range map[string][]string{"Tag": tags, "Subtag": subtags, "EventType": webhook.Types, "Carrier": carriers} {
		if got := doc.Components.Schemas[name].Enum; !slices.Equal(got, want) {
			t.Errorf("schema %s enum\n got %v\nwant %v", name, got, want)
		}
	}
}
