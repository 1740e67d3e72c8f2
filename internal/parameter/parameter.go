// Package parameter reads SSM parameters. It is a package of its own so
// that only the function that reads one (auth, its signing key) links the
// SSM client, whose package initialisation every other function's cold
// start would otherwise pay for.
package parameter

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// SSM returns a reader of SecureString parameters, decrypted; a parameter
// without a value reads as "".
func SSM(cfg aws.Config) func(ctx context.Context, name string) (string, error) {
	client := ssm.NewFromConfig(cfg)
	return func(ctx context.Context, name string) (string, error) {
		out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: &name, WithDecryption: aws.Bool(true)})
		if err != nil {
			return "", err
		}
		if out.Parameter == nil || out.Parameter.Value == nil {
			return "", nil
		}
		return *out.Parameter.Value, nil
	}
}
