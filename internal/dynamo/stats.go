package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/parcelgate/parcelgate/internal/data"
)

// CountRequests is a client option: every request, retries included, is
// counted in the data.Stats its context carries (weavy's statistics).
func CountRequests(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("parcelgateCountRequests",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				start := time.Now()
				out, md, err := next.HandleInitialize(ctx, in)
				data.CountRequest(ctx, time.Since(start))
				return out, md, err
			}), middleware.Before)
	})
}
