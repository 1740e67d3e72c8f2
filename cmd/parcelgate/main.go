// Command parcelgate runs parcelgate locally and administers it:
//
//	parcelgate dev                      the local stack and the API (make run)
//	parcelgate stack -- CMD [ARG...]    run CMD against a fresh local stack (make test)
//	parcelgate stack-up | stack-down    the emulators alone, in the background
//	parcelgate provision                create the table and queues of template.yaml
//	parcelgate client create [flags]    create a client credential
//	parcelgate demo [flags]             inject demo parcels into a running API (make demo)
//	parcelgate keygen                   a signing key and its JWKS, for deployment
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

var commands = map[string]func(context.Context, []string) error{
	"dev":        cmdDev,
	"stack":      cmdStack,
	"stack-up":   cmdStackUp,
	"stack-down": cmdStackDown,
	"provision":  cmdProvision,
	"client":     cmdClient,
	"demo":       cmdDemo,
	"keygen":     cmdKeygen,
}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: parcelgate dev | stack -- CMD | stack-up | stack-down | provision | client create | demo | keygen")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := commands[os.Args[1]](ctx, os.Args[2:])
	stop()
	var exit *exitError
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.code)
	case err != nil:
		fmt.Fprintln(os.Stderr, "parcelgate:", err)
		os.Exit(1)
	}
}
