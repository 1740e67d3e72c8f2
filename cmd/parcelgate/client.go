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
// PARCELGATE_TABLE, through the normal AWS configuration chain; without
// PARCELGATE_TABLE, or with --local, in the running local stack.
func cmdClient(ctx context.Context, args []string) error {
	const usage = "usage: parcelgate client create --id PRINCIPAL [--client CLIENT] [--secret SECRET] [--local]"
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Println(usage)
		return nil
	}
	if len(args) == 0 || args[0] != "create" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("client create", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nCreates a client credential in the table named by %s (a deployed stack, through\n"+
			"the AWS configuration chain: AWS_PROFILE, AWS_REGION, ...), or in the local stack of\n"+
			"make run when %s is not set or --local is given.\n\n", usage, app.EnvTable, app.EnvTable)
		fs.PrintDefaults()
	}
	client := fs.String("client", "", "client (tenant) the credential belongs to; default: the id")
	id := fs.String("id", "", "credential id, used as clientId when requesting tokens (required)")
	secret := fs.String("secret", "", "secret; default: a random one")
	local := fs.Bool("local", false, "use the running local stack (make run), even if "+app.EnvTable+" is set")
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
	if err := useLocalStack(stateDir, *local); err != nil {
		return err
	}
	if err := createCredential(ctx, *client, *id, *secret); err != nil {
		return err
	}
	fmt.Printf("clientId=%s\nclientSecret=%s\nclient=%s\n", *id, *secret, *client)
	return nil
}

// createCredential stores a credential in the table named by
// PARCELGATE_TABLE.
func createCredential(ctx context.Context, client, id, secret string) error {
	table := os.Getenv(app.EnvTable)
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	creds := auth.Credentials{Store: dynamo.Open(dynamodb.NewFromConfig(awsCfg), table, dynamo.Options{}).Principals, Now: time.Now}
	_, err = creds.Create(ctx, client, id, secret)
	return err
}
