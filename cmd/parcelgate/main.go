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
	"flag"
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

// plainUsage is the help of the commands that take no flags.
var plainUsage = map[string]string{
	"dev":        "usage: parcelgate dev\n\nRuns the local stack (emulators, table, queues) and every API function on\nPARCELGATE_ADDR (default 127.0.0.1:3000) until Ctrl-C. Data is kept in memory.",
	"stack-up":   "usage: parcelgate stack-up\n\nStarts the emulators in the background and prints the environment that reaches them.",
	"stack-down": "usage: parcelgate stack-down\n\nStops the emulators stack-up started.",
	"keygen":     "usage: parcelgate keygen\n\nPrints a new token-signing key (PEM) and its JWKS, for deployment.",
}

const topUsage = "usage: parcelgate dev | stack -- CMD | stack-up | stack-down | provision | client create | demo | keygen\n" +
	"       parcelgate <command> --help"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runCommand(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// runCommand runs the command args names and returns the exit status.
// Asking for help is not an error: it prints the usage and exits 0.
func runCommand(ctx context.Context, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Println(topUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := commands[args[0]]
	if cmd == nil {
		fmt.Fprintln(os.Stderr, topUsage)
		return 2
	}
	if u, ok := plainUsage[args[0]]; ok && len(args) > 1 && isHelp(args[1]) {
		fmt.Println(u)
		return 0
	}
	err := cmd(ctx, args[1:])
	var exit *exitError
	switch {
	case errors.As(err, &exit):
		return exit.code
	case errors.Is(err, flag.ErrHelp):
		return 0 // the flag set printed the usage
	case err != nil:
		fmt.Fprintln(os.Stderr, "parcelgate:", err)
		return 1
	}
	return 0
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}
