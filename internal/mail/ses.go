// Package mail sends the outbox's mail through Amazon SES (API v2).
package mail

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/parcelgate/parcelgate/internal/awsclient"
	"github.com/parcelgate/parcelgate/internal/outbox"
)

// New returns the SES mailer for cfg, its client with the timeouts,
// retries and error classification of every other client (awsclient).
func New(cfg aws.Config, o awsclient.Options) outbox.Mailer {
	return SES{Client: sesv2.NewFromConfig(cfg, func(so *sesv2.Options) {
		so.HTTPClient = o.HTTPClient()
		so.Retryer = awsclient.Retryer()
		so.APIOptions = append(so.APIOptions, awsclient.ClassifyErrors)
	})}
}

// SES sends mail with SES v2's SendEmail, simple content with attachments.
type SES struct {
	Client *sesv2.Client
}

var _ outbox.Mailer = SES{}

// Send implements outbox.Mailer. The client classifies errors: outages
// wrap outage.ErrUnavailable, refusals (MessageRejected, a sender not
// verified, …) come back as they are.
func (s SES) Send(ctx context.Context, m outbox.Mail) (string, error) {
	utf8 := aws.String("UTF-8")
	body := &types.Body{}
	if m.HTML != "" {
		body.Html = &types.Content{Data: aws.String(m.HTML), Charset: utf8}
	} else {
		body.Text = &types.Content{Data: aws.String(m.Text), Charset: utf8}
	}
	msg := &types.Message{Subject: &types.Content{Data: aws.String(m.Subject), Charset: utf8}, Body: body}
	for _, a := range m.Attachments {
		msg.Attachments = append(msg.Attachments, types.Attachment{
			FileName: aws.String(a.Name), ContentType: aws.String(a.ContentType), RawContent: a.Data,
			ContentDisposition:      types.AttachmentContentDispositionAttachment,
			ContentTransferEncoding: types.AttachmentContentTransferEncodingBase64,
		})
	}
	out, err := s.Client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.From),
		Destination:      &types.Destination{ToAddresses: m.To},
		ReplyToAddresses: m.ReplyTo,
		Content:          &types.EmailContent{Simple: msg},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.MessageId), nil
}
