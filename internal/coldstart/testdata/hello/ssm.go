//go:build coldstart_ssm

package main

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/parcelgate/parcelgate/internal/parameter"
)

// The auth function reads its signing key from SSM.
func init() {
	moreClients = append(moreClients, func(cfg aws.Config) any { return parameter.SSM(cfg) })
}
