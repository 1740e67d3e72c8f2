package devserver

import "testing"

func TestFolder(t *testing.T) {
	for in, want := range map[string]string{"AuthFunction": "auth", "JobSubmitFunction": "job-submit", "DeadLetterFunction": "dead-letter"} {
		if got := Folder(in); got != want {
			t.Errorf("Folder(%s) = %s, want %s", in, got, want)
		}
	}
}
