//go:build coldstart_ses

package main

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/mail"
)

// The report worker mails through SES.
func init() {
	moreClients = append(moreClients, func(cfg aws.Config) any { return mail.New(cfg, awsclient.Options{}) })
}
