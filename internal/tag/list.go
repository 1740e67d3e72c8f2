package tag

import "strings"

// List is the tags as an error message names them: "Pending, InfoReceived, ...".
func List() string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = string(t.tag)
	}
	return strings.Join(names, ", ")
}
