//go:build integration

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parcelgate/parcelgate/internal/apitest"
)

func TestCLIManagesCredentials(t *testing.T) {
	e := apitest.Start(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	id, secret := e.Principal(t, "shop")
	t.Setenv("PARCELGATE_CLIENT_SECRET", secret)
	mustCLI(t, "login", "--url", e.URL, "--client-id", id)

	var made struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "credentials", "create", "--id", "shop-robot", "-o", "json")), &made); err != nil || made.ClientSecret == "" {
		t.Fatalf("create: %+v, %v", made, err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(mustCLI(t, "credentials", "list"), "\n") {
		if f := strings.Fields(line); len(f) >= 3 {
			rows[f[0]] = f[1] + " " + f[2]
		}
	}
	if rows["shop-robot"] != "member true" || rows[id] != "owner true" {
		t.Fatalf("list: %v", rows)
	}
	live := e.TokenFor(t, made.ClientID, made.ClientSecret)
	mustCLI(t, "credentials", "disable", "shop-robot")
	e.Call(t, "GET", "/v1/projects", live, nil).Want(t, 401)
	mustCLI(t, "credentials", "enable", "shop-robot")
	if out := mustCLI(t, "credentials", "rotate", "shop-robot", "--grace", "60"); !strings.Contains(out, "pgs_") {
		t.Fatalf("rotate:\n%s", out)
	}
	mustCLI(t, "credentials", "delete", "shop-robot")
	if _, _, err := cli(t, "credentials", "delete", id); err == nil || !strings.Contains(err.Error(), "last enabled owner") {
		t.Fatalf("deleting the last owner: %v", err)
	}
}
