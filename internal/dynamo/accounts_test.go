package dynamo

import (
	"testing"

	"github.com/parcelgate/parcelgate/internal/account"
	"github.com/parcelgate/parcelgate/internal/data"
)

func TestLicencesFreedCountsTheActiveAccountsAPlanRemoves(t *testing.T) {
	users, _ := data.DefaultCatalog.Entity(account.Entity)
	customers, _ := data.DefaultCatalog.Entity("customer")
	version := func(status string, deleted bool) *data.Record {
		r := &data.Record{Entity: users.Name, Code: "u", Values: map[string]any{"login": "u"}, Deleted: deleted}
		if status != "" {
			r.Values[data.FieldStatus] = status
		}
		return r
	}
	change := func(e *data.Entity, old, rec *data.Record) data.Change {
		return data.Change{Entity: e, Old: old, New: *rec}
	}
	for _, tc := range []struct {
		name    string
		changes []data.Change
		want    int
	}{
		{"an active account deleted", []data.Change{change(users, version("active", false), version("active", true))}, 1},
		{"a deactivated account deleted", []data.Change{change(users, version("deactivated", false), version("deactivated", true))}, 0},
		{"an account deleted again", []data.Change{change(users, version("active", true), version("active", true))}, 0},
		{"an active account renamed", []data.Change{change(users, version("active", false), version("active", false))}, 0},
		{"a new account", []data.Change{change(users, nil, version("", false))}, 0},
		{"a merge into a deactivated account", []data.Change{
			change(users, version("active", false), version("active", true)),
			change(users, version("deactivated", false), version("deactivated", false)),
		}, 1},
		{"a merge into an account without status, which takes the licence", []data.Change{
			change(users, version("active", false), version("active", true)),
			change(users, version("", false), version("active", false)),
		}, 0},
		{"another entity with a status field", []data.Change{
			change(customers, &data.Record{Values: map[string]any{data.FieldStatus: "active"}}, &data.Record{Deleted: true}),
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := licencesFreed(data.Plan{ProjectID: "p", Changes: tc.changes})
			if err != nil || got != tc.want {
				t.Fatalf("licencesFreed = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	// Only the accounts route activates, under the licences' condition.
	if _, err := licencesFreed(data.Plan{ProjectID: "p", Changes: []data.Change{change(users, version("", false), version("active", false))}}); err == nil {
		t.Fatal("a plan that activates an account was counted")
	}
}
