#!/bin/sh
# LocalStack runs this hook once DynamoDB and SQS are ready. It deliberately
# creates nothing. The table and queues are defined once, in template.yaml,
# and created from it by Go code (internal/devstack), which this container
# cannot run: it has no Go toolchain. Creating them here with awslocal would
# be a second, hand-written copy of the schema, free to drift.
echo "parcelgate: LocalStack is ready. Create the table and queues from template.yaml on the host:"
echo "  AWS_ENDPOINT_URL=http://127.0.0.1:4566 go run ./cmd/parcelgate provision"
