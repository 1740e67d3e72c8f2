package mail

import (
	"context"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/parcelgate/parcelgate/internal/outbox"
)

// Memory keeps the mail it is asked to send instead of sending it: the
// mailer of the memory backend, whose mailbox the dev server and the
// system tests read back as they read the SES emulator's.
type Memory struct {
	mu   sync.Mutex
	sent []Sent
}

// Sent is a mail as sent, with the id Send returned for it.
type Sent struct {
	outbox.Mail
	MessageID string
}

var _ outbox.Mailer = (*Memory)(nil)

// Send implements outbox.Mailer.
func (m *Memory) Send(_ context.Context, mail outbox.Mail) (string, error) {
	mail.To = slices.Clone(mail.To)
	mail.ReplyTo = slices.Clone(mail.ReplyTo)
	mail.Attachments = slices.Clone(mail.Attachments)
	id := uuid.NewString()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, Sent{Mail: mail, MessageID: id})
	return id, nil
}

// Sent returns the mail sent so far, in order.
func (m *Memory) Sent() []Sent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sent)
}
