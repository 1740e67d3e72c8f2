package dynamo

import "time"

// timeLayout stores instants so that string order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// formatTime writes an instant in timeLayout; the zero time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}
