package app

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/google/uuid"

	"github.com/parcelgate/parcelgate/internal/auth"
	"github.com/parcelgate/parcelgate/internal/dynamo"
	"github.com/parcelgate/parcelgate/internal/httpapi"
	"github.com/parcelgate/parcelgate/internal/project"
)

// Options adjust the wiring; the zero value is production.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Sign makes the API able to issue tokens (auth function, dev server).
	Sign bool
}

// NewLogger returns the JSON logger every process uses.
func NewLogger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, nil))
}

// NewAPI builds the API from the configuration.
func NewAPI(ctx context.Context, cfg Config, awsCfg aws.Config, opts Options) (*httpapi.API, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = NewLogger()
	}
	store := &dynamo.Store{Client: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table}
	jwks, err := cfg.keySet()
	if err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(jwks, cfg.Issuer, cfg.Audience, now)
	if err != nil {
		return nil, err
	}
	api := &httpapi.API{
		Credentials: auth.Credentials{Store: store, Now: now},
		JWKS:        jwks,
		Verifier:    verifier,
		Projects:    project.Service{Store: store, Now: now, NewID: newID},
		Logger:      logger,
	}
	if opts.Sign {
		if api.Issuer, err = cfg.signingKey(ctx, awsCfg); err != nil {
			return nil, err
		}
	}
	return api, nil
}

// newID returns a time-ordered opaque id.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// StartAPIFunction is the whole main of an API Lambda: configuration is
// read and checked once per cold start, then requests are served.
func StartAPIFunction(function string, sign bool) {
	logger := NewLogger()
	slog.SetDefault(logger)
	ctx := context.Background()
	h, err := func() (http.Handler, error) {
		cfg, err := ConfigFromEnv()
		if err != nil {
			return nil, err
		}
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		api, err := NewAPI(ctx, cfg, awsCfg, Options{Logger: logger, Sign: sign})
		if err != nil {
			return nil, err
		}
		return api.Handler(function)
	}()
	if err != nil {
		logger.Error("cold start failed", "function", function, "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(httpadapter.New(h).ProxyWithContext)
}
