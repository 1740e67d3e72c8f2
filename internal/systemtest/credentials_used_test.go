package systemtest

import (
	"net/http"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/apitest"
	"github.com/parcelgate/parcelgate/internal/auth"
)

// A credential's lastUsedAt follows its tokens to the minute: tokens
// taken within auth.UseGrain of the recorded use write nothing, the first
// one past it records its time.
func TestCredentialLastUsedIsRecordedOncePerUseGrain(t *testing.T) {
	t.Parallel()
	e := apitest.Start(t)
	_, owner := e.Token(t, "acme")
	m := createCredential(t, e, owner, map[string]string{"clientId": "acme-busy"})
	lastUsed := func() time.Time {
		t.Helper()
		var list struct {
			Items []struct {
				ClientID   string    `json:"clientId"`
				LastUsedAt time.Time `json:"lastUsedAt"`
			} `json:"items"`
		}
		e.Call(t, "GET", "/v1/credentials", owner, nil).Want(t, http.StatusOK).JSON(t, &list)
		for _, c := range list.Items {
			if c.ClientID == m.ClientID {
				return c.LastUsedAt
			}
		}
		t.Fatalf("no %s in %+v", m.ClientID, list.Items)
		return time.Time{}
	}
	// A whole second, as the API shows times to the millisecond.
	first := e.Clock().Truncate(time.Second).Add(time.Second)
	e.SetClock(first)
	e.TokenFor(t, m.ClientID, m.ClientSecret)
	if got := lastUsed(); !got.Equal(first) {
		t.Fatalf("first token: lastUsedAt %v, want %v", got, first)
	}
	for range 5 {
		e.Advance(auth.UseGrain / 10)
		e.TokenFor(t, m.ClientID, m.ClientSecret)
	}
	if got := lastUsed(); !got.Equal(first) {
		t.Fatalf("tokens within a minute: lastUsedAt %v, want %v still", got, first)
	}
	e.SetClock(first.Add(auth.UseGrain))
	e.TokenFor(t, m.ClientID, m.ClientSecret)
	if got, want := lastUsed(), first.Add(auth.UseGrain); !got.Equal(want) {
		t.Fatalf("a token a minute later: lastUsedAt %v, want %v", got, want)
	}
}
