package dynamo

import (
	"reflect"
	"testing"
)

// Open fills every adapter, and all stand on the one Table: a setting
// changed there (TransactItems, as tests do) holds for every port.
func TestOpenGivesEveryPortItsAdapterOverOneTable(t *testing.T) {
	a := Open(nil, "parcelgate", Options{TransactItems: 3})
	if a.Table.Name != "parcelgate" || a.Table.TransactItems != 3 {
		t.Fatalf("table %+v", a.Table)
	}
	v := reflect.ValueOf(a).Elem()
	for i := range v.NumField() {
		name, f := v.Type().Field(i).Name, v.Field(i)
		if f.IsNil() {
			t.Errorf("%s is nil", name)
			continue
		}
		if name == "Table" {
			continue
		}
		if got := f.Elem().FieldByName("Table"); !got.IsValid() || got.Interface() != a.Table {
			t.Errorf("%s stands on another table", name)
		}
	}
}
