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
	// processor may hold (dynamo.Table.TransactItems); 0 for the default,
	// 1 for none shared.
	TransactItems int

	// Webhooks: the delivery queue. The two knobs below are the dev
	// server's only (see DevWebhookKnobs); production leaves them unset.
	WebhookQueueURL string
	// WebhookAllowLoopback admits http://127.0.0.1:<port> endpoints.
	WebhookAllowLoopback bool
	// WebhookRetrySchedule replaces webhook.DefaultSchedule.
	WebhookRetrySchedule []time.Duration

	// Report outbox: its queue and the address its mail comes from.
	ReportQueueURL string
	ReportSender   string
	// TaskQueueURL is the queue of processing tasks (weavy-compatible).
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

// Report outbox configuration.
const (
	EnvReportQueueURL = "PARCELGATE_REPORT_QUEUE_URL"
	EnvReportSender   = "PARCELGATE_REPORT_SENDER"
)

// Processing tasks (weavy-compatible).
const EnvTaskQueueURL = "PARCELGATE_TASK_QUEUE_URL"

// ReadConfig reads the configuration through getenv (os.Getenv) and
// checks the format of what is set. Which settings must be present
// depends on the function: a Function asks for each part it builds.
func ReadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Table:               getenv(EnvTable),
		JobsQueueURL:        getenv(EnvJobsQueueURL),
		Issuer:              getenv(EnvIssuer),
		Audience:            getenv(EnvAudience),
		PublicJWKS:          getenv(EnvPublicJWKS),
		PrivateKeyPEM:       getenv(EnvPrivateKey),
		PrivateKeyParameter: getenv(EnvPrivateKeyParam),
		TokenTTL:            defaultTokenTTL,
		WebhookQueueURL:     getenv(EnvWebhookQueueURL),
		ReportQueueURL:      getenv(EnvReportQueueURL),
		ReportSender:        getenv(EnvReportSender),
		TaskQueueURL:        getenv(EnvTaskQueueURL),
	}
	if c.Audience == "" {
		c.Audience = defaultAudience
	}
	if s := getenv(EnvTokenTTL); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || d > maxTokenTTL {
			return c, fmt.Errorf("%s must be a duration up to %s, like 1h", EnvTokenTTL, maxTokenTTL)
		}
		c.TokenTTL = d
	}
	if s := getenv(EnvTransactItems); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return c, fmt.Errorf("%s must be a whole number from 1 (no shared transactions) to 100 (DynamoDB's limit; DynamoDB Local takes at most 10)", EnvTransactItems)
		}
		c.TransactItems = n
	}
	return c, nil
}

// ReadParameter reads an SSM SecureString parameter, decrypted
// (parameter.SSM); "" is a parameter without a value.
type ReadParameter func(ctx context.Context, name string) (string, error)

// signingKey loads the private key from the environment or, through read,
// from SSM; read is nil where no parameter may be read (local runs).
func (c Config) signingKey(ctx context.Context, read ReadParameter, now func() time.Time) (*auth.Issuer, error) {
	if c.Issuer == "" {
		return nil, fmt.Errorf("%s is not set: the issuer of access tokens", EnvIssuer)
	}
	pemText := c.PrivateKeyPEM
	if pemText == "" {
		if c.PrivateKeyParameter == "" {
			return nil, fmt.Errorf("%s is not set: the SSM parameter holding the token signing key (or %s, the key itself)", EnvPrivateKeyParam, EnvPrivateKey)
		}
		if read == nil {
			return nil, fmt.Errorf("%s is set, but this process reads no SSM parameters: set %s, the key itself", EnvPrivateKeyParam, EnvPrivateKey)
		}
		value, err := read(ctx, c.PrivateKeyParameter)
		if err != nil {
			return nil, fmt.Errorf("reading signing key parameter %s: %w", c.PrivateKeyParameter, err)
		}
		if value == "" {
			return nil, errors.New("signing key parameter is empty")
		}
		pemText = value
	}
	key, err := auth.ParsePrivateKey([]byte(pemText))
	if err != nil {
		return nil, err
	}
	return auth.NewIssuer(key, c.Issuer, c.Audience, c.TokenTTL, now)
}

// keySet returns the verification keys.
func (c Config) keySet() (auth.JWKS, error) {
	if c.PublicJWKS == "" && c.PrivateKeyPEM == "" {
		return auth.JWKS{}, fmt.Errorf("%s is not set: the keys that verify access tokens (or %s for a process that also signs)", EnvPublicJWKS, EnvPrivateKey)
	}
	if c.PublicJWKS != "" {
		jwks, err := auth.ParseJWKS([]byte(c.PublicJWKS))
		if err != nil {
			return jwks, fmt.Errorf("%s: %w", EnvPublicJWKS, err)
		}
		return jwks, nil
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
