// Package authtest is the contract of auth.PrincipalStore: one suite that
// every implementation (in memory, DynamoDB) must pass.
package authtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/storetest"
)

var base = time.Date(2026, 11, 30, 9, 15, 0, 123456789, time.UTC)

// Run runs the contract suite against the stores newStore makes. Stores
// may be shared between tests: every test uses ids of its own.
func Run(t *testing.T, newStore func(t *testing.T) auth.PrincipalStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s auth.PrincipalStore, id func(string) string)
	}{
		{"CreatedPrincipalIsReadBack", createdPrincipalIsReadBack},
		{"ATakenIDIsRefusedAndKept", aTakenIDIsRefusedAndKept},
		{"ConcurrentCreatesOfOneIDLeaveOne", concurrentCreatesOfOneIDLeaveOne},
		{"UnknownPrincipalIsNotFound", unknownPrincipalIsNotFound},
		{"CredentialsAuthenticateThroughTheStore", credentialsAuthenticateThroughTheStore},
		{"AChangeIsWrittenOverItsVersionOnly", aChangeIsWrittenOverItsVersionOnly},
		{"DeletedCredentialsLeaveTheListButKeepTheirID", deletedCredentialsLeaveTheListButKeepTheirID},
		{"UseIsRecordedButNotOnDeleted", useIsRecordedButNotOnDeleted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t), uniqueIDs(t))
		})
	}
}

func uniqueIDs(t *testing.T) func(string) string {
	suffix := storetest.ID("")
	return func(name string) string { return name + "-" + suffix }
}

// created is the audit entry of p's creation by the operator.
func created(p auth.Principal) auth.AuditEntry {
	return auth.AuditEntry{At: p.CreatedAt, ClientID: p.ClientID, By: auth.Operator, Action: auth.ActionCreated, Subject: p.ID}
}

func equal(a, b auth.Principal) bool {
	return a.ID == b.ID && a.ClientID == b.ClientID && bytes.Equal(a.SecretHash, b.SecretHash) && a.CreatedAt.Equal(b.CreatedAt) && a.CreatedAt.Location() == b.CreatedAt.Location()
}

func createdPrincipalIsReadBack(t *testing.T, s auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	p := auth.Principal{ID: id("alice"), ClientID: id("acme"), SecretHash: []byte("$2a$11$hash\x00bytes"), CreatedAt: base}
	if err := s.CreatePrincipal(ctx, p, created(p)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Principal(ctx, p.ID)
	if err != nil || !equal(got, p) {
		t.Fatalf("principal = %+v, %v; want %+v", got, err, p)
	}
	// What a caller does with the hash it read changes nothing stored.
	got.SecretHash[0] = 'x'
	if again, err := s.Principal(ctx, p.ID); err != nil || !equal(again, p) {
		t.Fatalf("principal after a change to a read copy = %+v, %v", again, err)
	}
}

func aTakenIDIsRefusedAndKept(t *testing.T, s auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	p := auth.Principal{ID: id("alice"), ClientID: id("acme"), SecretHash: []byte("first"), CreatedAt: base}
	if err := s.CreatePrincipal(ctx, p, created(p)); err != nil {
		t.Fatal(err)
	}
	second := auth.Principal{ID: p.ID, ClientID: id("globex"), SecretHash: []byte("second"), CreatedAt: base.Add(time.Hour)}
	err := s.CreatePrincipal(ctx, second, created(second))
	if !errors.Is(err, auth.ErrPrincipalExists) {
		t.Fatalf("second create: %v, want ErrPrincipalExists", err)
	}
	if got, err := s.Principal(ctx, p.ID); err != nil || !equal(got, p) {
		t.Fatalf("principal = %+v, %v; want the first %+v", got, err, p)
	}
}

func concurrentCreatesOfOneIDLeaveOne(t *testing.T, s auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	const writers = 10
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			p := auth.Principal{ID: id("alice"), ClientID: id(fmt.Sprint("client", i)), SecretHash: []byte("h"), CreatedAt: base}
			errs[i] = s.CreatePrincipal(ctx, p, created(p))
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("writers %d and %d both created the principal", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, auth.ErrPrincipalExists):
			t.Fatalf("writer %d: %v, want ErrPrincipalExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer created the principal")
	}
	if got, err := s.Principal(ctx, id("alice")); err != nil || got.ClientID != id(fmt.Sprint("client", winner)) {
		t.Fatalf("principal = %+v, %v; want the winner's", got, err)
	}
}

func unknownPrincipalIsNotFound(t *testing.T, s auth.PrincipalStore, id func(string) string) {
	if _, err := s.Principal(context.Background(), id("nobody")); !errors.Is(err, auth.ErrPrincipalNotFound) {
		t.Fatalf("unknown principal: %v, want ErrPrincipalNotFound", err)
	}
}

func credentialsAuthenticateThroughTheStore(t *testing.T, s auth.PrincipalStore, id func(string) string) {
	ctx := context.Background()
	creds := auth.Credentials{Store: s, Now: func() time.Time { return base }}
	secret, err := auth.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	created, err := creds.Create(ctx, id("acme"), id("alice"), secret)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := creds.Authenticate(ctx, created.ID, secret); err != nil || !equal(got, created) {
		t.Fatalf("authenticate = %+v, %v; want %+v", got, err, created)
	}
	other, err := auth.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := creds.Authenticate(ctx, created.ID, other); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("wrong secret: %v, want ErrInvalidCredentials", err)
	}
}
