// Package app wires parcelgate together from its configuration: the same
// wiring serves every Lambda function, the local dev server and the tests.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/webhook"
)

// Config is everything read from the environment.
type Config struct {
	Table        string
	JobsQueueURL string
	Issuer       string
	Audience     string
	TokenTTL     time.Duration
	// PublicJWKS verifies tokens. When empty it is derived from the
	// private key (local runs, where one process holds both).
	PublicJWKS string
	// PrivateKeyPEM, or the SSM SecureString named by PrivateKeyParameter,
	// signs tokens; only the auth function has either.
	PrivateKeyPEM       string
	PrivateKeyParameter string
	// TransactItems is how many actions a TransactWriteItems of the
	// processor may hold (dynamo.Store.TransactItems); 0 for the default.
	TransactItems int

	// Webhooks: the delivery queue. The two knobs below are the dev
	// server's only (see DevWebhookKnobs); production leaves them unset.
	WebhookQueueURL string
	// WebhookAllowLoopback admits http://127.0.0.1:<port> endpoints.
	WebhookAllowLoopback bool
	// WebhookRetrySchedule replaces webhook.DefaultSchedule.
	WebhookRetrySchedule []time.Duration

	// TaskQueueURL is the queue of processing tasks (seed 002).
	TaskQueueURL string
}

// Environment variable names; the README's configuration table lists them.
const (
	EnvTable           = "PARCELGATE_TABLE"
	EnvJobsQueueURL    = "PARCELGATE_JOBS_QUEUE_URL"
	EnvIssuer          = "PARCELGATE_JWT_ISSUER"
	EnvAudience        = "PARCELGATE_JWT_AUDIENCE"
	EnvTokenTTL        = "PARCELGATE_TOKEN_TTL"
	EnvPublicJWKS      = "PARCELGATE_JWT_PUBLIC_JWKS"
	EnvPrivateKey      = "PARCELGATE_JWT_PRIVATE_KEY"
	EnvPrivateKeyParam = "PARCELGATE_JWT_PRIVATE_KEY_PARAMETER"
	EnvTransactItems   = "PARCELGATE_DYNAMODB_TRANSACT_ITEMS"
	defaultAudience    = "parcelgate"
	defaultTokenTTL    = time.Hour
	maxTokenTTL        = 12 * time.Hour
)

// Webhook configuration.
const (
	EnvWebhookQueueURL = "PARCELGATE_WEBHOOK_QUEUE_URL"
	// Dev server knobs, read by DevWebhookKnobs only.
	EnvWebhookAllowLoopback = "PARCELGATE_WEBHOOK_ALLOW_LOOPBACK"
	EnvWebhookRetrySchedule = "PARCELGATE_WEBHOOK_RETRY_SCHEDULE"
)

// Processing tasks (seed 002).
const EnvTaskQueueURL = "PARCELGATE_TASK_QUEUE_URL"

// ConfigFromEnv reads and checks the configuration, so a misconfigured
// function fails at cold start rather than inside a request.
func ConfigFromEnv() (Config, error) {
	c := Config{
		Table:               os.Getenv(EnvTable),
		JobsQueueURL:        os.Getenv(EnvJobsQueueURL),
		Issuer:              os.Getenv(EnvIssuer),
		Audience:            os.Getenv(EnvAudience),
		PublicJWKS:          os.Getenv(EnvPublicJWKS),
		PrivateKeyPEM:       os.Getenv(EnvPrivateKey),
		PrivateKeyParameter: os.Getenv(EnvPrivateKeyParam),
		TokenTTL:            defaultTokenTTL,
		WebhookQueueURL:     os.Getenv(EnvWebhookQueueURL),
		TaskQueueURL:        os.Getenv(EnvTaskQueueURL),
	}
	if c.Audience == "" {
		c.Audience = defaultAudience
	}
	if s := os.Getenv(EnvTokenTTL); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || d > maxTokenTTL {
			return c, fmt.Errorf("%s must be a duration up to %s, like 1h", EnvTokenTTL, maxTokenTTL)
		}
		c.TokenTTL = d
	}
	if s := os.Getenv(EnvTransactItems); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 || n > 100 {
			return c, fmt.Errorf("%s must be a whole number from 2 to 100 (DynamoDB's limit; DynamoDB Local takes at most 10)", EnvTransactItems)
		}
		c.TransactItems = n
	}
	var missing []string
	for name, v := range map[string]string{EnvTable: c.Table, EnvIssuer: c.Issuer} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing configuration: %v", missing)
	}
	if c.PublicJWKS == "" && c.PrivateKeyPEM == "" {
		return c, fmt.Errorf("set %s (or %s for a process that also signs)", EnvPublicJWKS, EnvPrivateKey)
	}
	return c, nil
}

// signingKey loads the private key from the environment or from SSM.
func (c Config) signingKey(ctx context.Context, awsCfg aws.Config, now func() time.Time) (*auth.Issuer, error) {
	pemText := c.PrivateKeyPEM
	if pemText == "" {
		if c.PrivateKeyParameter == "" {
			return nil, fmt.Errorf("set %s or %s", EnvPrivateKey, EnvPrivateKeyParam)
		}
		out, err := ssm.NewFromConfig(awsCfg).GetParameter(ctx, &ssm.GetParameterInput{
			Name: &c.PrivateKeyParameter, WithDecryption: aws.Bool(true),
		})
		if err != nil {
			return nil, fmt.Errorf("reading signing key parameter %s: %w", c.PrivateKeyParameter, err)
		}
		if out.Parameter == nil || out.Parameter.Value == nil {
			return nil, errors.New("signing key parameter is empty")
		}
		pemText = *out.Parameter.Value
	}
	key, err := auth.ParsePrivateKey([]byte(pemText))
	if err != nil {
		return nil, err
	}
	return auth.NewIssuer(key, c.Issuer, c.Audience, c.TokenTTL, now)
}

// keySet returns the verification keys.
func (c Config) keySet() (auth.JWKS, error) {
	if c.PublicJWKS != "" {
		return auth.ParseJWKS([]byte(c.PublicJWKS))
	}
	key, err := auth.ParsePrivateKey([]byte(c.PrivateKeyPEM))
	if err != nil {
		return auth.JWKS{}, err
	}
	jwk, err := auth.PublicJWK(&key.PublicKey)
	if err != nil {
		return auth.JWKS{}, err
	}
	return auth.JWKS{Keys: []auth.JWK{jwk}}, nil
}

// DevWebhookKnobs reads the dev server's webhook knobs into c: a local
// receiver and a short retry schedule. Deployed functions never call it.
func (c *Config) DevWebhookKnobs() error {
	c.WebhookAllowLoopback = os.Getenv(EnvWebhookAllowLoopback) == "1"
	if s := os.Getenv(EnvWebhookRetrySchedule); s != "" {
		schedule, err := webhook.ParseSchedule(s)
		if err != nil {
			return fmt.Errorf("%s: %w", EnvWebhookRetrySchedule, err)
		}
		c.WebhookRetrySchedule = schedule
	}
	return nil
}
