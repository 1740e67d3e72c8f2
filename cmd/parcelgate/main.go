// Command parcelgate uses, runs and administers parcelgate.
//
// For users of a deployed (or local) API:
//
//	parcelgate login --url URL --client-id ID   get and keep a token
//	parcelgate jobs submit --project P FILE.csv  bulk-subscribe numbers, one merged report
//	parcelgate jobs report --project P JOB      a job's per-number report
//	parcelgate track NUMBER                     a parcel's status and history
//	parcelgate tracker search [flags]           search your requests
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
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
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
	"keygen":     cmdKeygen,
}

// commandSummaries describe the local and admin commands in the help.
var commandSummaries = map[string]string{
	"dev":        "Run the local stack and the API (make run)",
	"stack":      "Run a command against a fresh local stack: stack -- CMD [ARG...] (make test)",
	"stack-up":   "Start the emulators alone, in the background",
	"stack-down": "Stop the emulators started by stack-up",
	"provision":  "Create the table and queues of template.yaml",
	"client":     "Create a client credential: client create [--client C] [--id ID] [--secret S]",
	"demo":       "Inject demo parcels into a running API (make demo)",
	"keygen":     "Print a signing key and its JWKS, for deployment",
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
			RunE:               func(cmd *cobra.Command, args []string) error { return run(cmd.Context(), args) },
		})
	}
	root.AddGroup(&cobra.Group{ID: "local", Title: "Local stack and administration:"})
	addUserCommands(root)
	return root
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := newRoot()
	root.SetArgs(os.Args[1:])
	err := root.ExecuteContext(ctx)
	stop()
	var exit *exitError
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.code)
	case errors.Is(err, flag.ErrHelp):
		// A local command's own flag set printed its usage for -h.
	case err != nil:
		fmt.Fprintln(os.Stderr, "parcelgate:", err)
		os.Exit(1)
	}
}
