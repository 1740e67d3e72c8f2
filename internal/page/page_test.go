package page

import "testing"

func TestParseLimit(t *testing.T) {
	cases := []struct {
		in        string
		def, most int
		want      int
		err       string
	}{
		{"", DefaultLimit, MaxLimit, DefaultLimit, ""},
		{"", 100, 100, 100, ""},
		{"1", DefaultLimit, MaxLimit, 1, ""},
		{"1000", DefaultLimit, MaxLimit, 1000, ""},
		{"1001", DefaultLimit, MaxLimit, 0, "limit must be an integer from 1 to 1000"},
		{"101", 100, 100, 0, "limit must be an integer from 1 to 100"},
		{"0", DefaultLimit, MaxLimit, 0, "limit must be an integer from 1 to 1000"},
		{"-5", DefaultLimit, MaxLimit, 0, "limit must be an integer from 1 to 1000"},
		{"ten", DefaultLimit, MaxLimit, 0, "limit must be an integer from 1 to 1000"},
		{"1e3", DefaultLimit, MaxLimit, 0, "limit must be an integer from 1 to 1000"},
		{" 5", DefaultLimit, MaxLimit, 0, "limit must be an integer from 1 to 1000"},
		{"99999999999999999999", DefaultLimit, MaxLimit, 0, "limit must be an integer from 1 to 1000"},
	}
	for _, c := range cases {
		got, err := ParseLimit(c.in, c.def, c.most)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if got != c.want || msg != c.err {
			t.Errorf("ParseLimit(%q, %d, %d) = %d, %q; want %d, %q", c.in, c.def, c.most, got, msg, c.want, c.err)
		}
	}
}
