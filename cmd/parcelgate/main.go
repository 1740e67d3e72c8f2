// Command parcelgate uses, runs and administers parcelgate.
//
// For users of a deployed (or local) API:
//
//	parcelgate login --url URL --client-id ID   get and keep a token
//	parcelgate jobs submit --project P FILE.csv  bulk-subscribe numbers, one merged report
//	parcelgate jobs report --project P JOB      a job's per-number report
//	parcelgate track NUMBER                     a parcel's status and history
//	parcelgate tracker search [flags]           search your requests
//	parcelgate carriers list                    the carrier registry (no API needed)
//	parcelgate carriers detect NUMBER... | -    a number's carriers, best first; - reads stdin
//
// Locally, and to administer:
//
//	parcelgate dev                      the local stack and the API (make run)
//	parcelgate stack -- CMD [ARG...]    run CMD against a fresh local stack (make test)
//	parcelgate stack-up | stack-down    the emulators alone, in the background
//	parcelgate provision                create the table and queues of template.yaml
//	parcelgate client create [flags]    create a client credential
//	parcelgate demo [flags]             inject demo parcels into a running API (make demo)
//	parcelgate keygen                   a signing key and its JWKS, for deployment
//	parcelgate cost [flags]             each operation's cost against its floor, a parcel's a month
//	parcelgate simulate [flags]         partition keys at 10,000 and 100,000 events/s (docs/scale.md)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

var commands = map[string]func(context.Context, []string) error{
	"dev":        cmdDev,
	"stack":      cmdStack,
	"stack-up":   cmdStackUp,
	"stack-down": cmdStackDown,
	"provision":  cmdProvision,
	"client":     cmdClient,
	"demo":       cmdDemo,
	"edd":        cmdEdd,
	"keygen":     cmdKeygen,
	"cost":       cmdCost,
	"simulate":   cmdSimulate,
}

// plainUsage is the help of the local commands that take no flags (the
// others' flag sets print their own).
var plainUsage = map[string]string{
	"stack-up":   "usage: parcelgate stack-up\n\nStarts the emulators in the background and prints the environment that reaches them.",
	"stack-down": "usage: parcelgate stack-down\n\nStops the emulators stack-up started.",
	"keygen":     "usage: parcelgate keygen\n\nPrints a new token-signing key (PEM) and its JWKS, for deployment.",
}

// commandSummaries describe the local and admin commands in the help.
var commandSummaries = map[string]string{
	"dev":        "Run the API on the local stack, or on memory with --store memory (make run)",
	"stack":      "Run a command against a fresh local stack: stack -- CMD [ARG...] (make test)",
	"stack-up":   "Start the emulators alone, in the background",
	"stack-down": "Stop the emulators started by stack-up",
	"provision":  "Create the table and queues of template.yaml",
	"client":     "Create a client credential: client create [--client C] [--id ID] [--secret S]",
	"demo":       "Inject demo parcels into a running API (make demo)",
	"edd":        "Measure the estimated delivery on generated histories: edd evaluate [--parcels N] [--store memory|dynamo] [-o markdown] [--chart FILE.svg]",
	"keygen":     "Print a signing key and its JWKS, for deployment",
	"cost":       "What each operation costs against its floor, and a tracked parcel a month (make bench)",
	"simulate":   "The partition-level scale simulation at 10,000 and 100,000 events/s (docs/scale.md)",
}

// newRoot is the command tree. The local and admin commands parse their
// own flags, as they always have; cobra only dispatches to them.
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "parcelgate",
		Short:         "parcelgate: bulk-subscribe tracking numbers, track parcels, run the local stack",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	for name, run := range commands {
		root.AddCommand(&cobra.Command{
			Use:                name,
			Short:              commandSummaries[name],
			GroupID:            "local",
			DisableFlagParsing: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				if u, ok := plainUsage[name]; ok && len(args) > 0 && isHelp(args[0]) {
					fmt.Fprintln(cmd.OutOrStdout(), u)
					return nil
				}
				return run(cmd.Context(), args)
			},
		})
	}
	root.AddGroup(&cobra.Group{ID: "local", Title: "Local stack and administration:"})
	addUserCommands(root)
	return root
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runCommand(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// runCommand runs the command args names and returns the exit status.
// Asking for help is not an error: it prints the usage and exits 0.
func runCommand(ctx context.Context, args []string) int {
	root := newRoot()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var exit *exitError
	switch {
	case errors.As(err, &exit):
		return exit.code
	case errors.Is(err, flag.ErrHelp):
		return 0 // a local command's own flag set printed its usage
	case err != nil && strings.HasPrefix(err.Error(), "unknown command"):
		fmt.Fprintln(os.Stderr, "parcelgate:", err)
		return 2
	case err != nil:
		fmt.Fprintln(os.Stderr, "parcelgate:", err)
		return 1
	}
	return 0
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}
