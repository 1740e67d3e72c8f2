package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parcelgate/parcelgate/internal/app"
	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/dynamo"
)

// cmdClient creates a client credential in the table named by
// PARCELGATE_TABLE (default: the running dev server's table).
func cmdClient(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: parcelgate client create [--client CLIENT] [--id PRINCIPAL] [--secret SECRET]")
	}
	fs := flag.NewFlagSet("client create", flag.ContinueOnError)
	client := fs.String("client", "", "client (tenant) the credential belongs to; default: the id")
	id := fs.String("id", "", "credential id, used as clientId when requesting tokens (required)")
	secret := fs.String("secret", "", "secret; default: a random one")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	if *client == "" {
		*client = *id
	}
	if *secret == "" {
		s, err := auth.NewSecret()
		if err != nil {
			return err
		}
		*secret = s
	}
	if err := createCredential(ctx, *client, *id, *secret); err != nil {
		return err
	}
	fmt.Printf("clientId=%s\nclientSecret=%s\nclient=%s\n", *id, *secret, *client)
	return nil
}

// createCredential stores a credential in the table named by
// PARCELGATE_TABLE (default: the running dev server's table).
func createCredential(ctx context.Context, client, id, secret string) error {
	if err := loadDevEnv(); err != nil {
		return err
	}
	table := os.Getenv(app.EnvTable)
	if table == "" {
		return fmt.Errorf("%s is not set and no dev server is running (start one with make run)", app.EnvTable)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	creds := auth.Credentials{Store: &dynamo.Store{Client: dynamodb.NewFromConfig(awsCfg), Table: table}, Now: time.Now}
	_, err = creds.Create(ctx, client, id, secret)
	return err
}
