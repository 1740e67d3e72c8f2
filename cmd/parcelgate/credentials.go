package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/parcelgate/parcelgate/internal/apiclient"
)

// credentialsCommand manages the logged-in client's credentials; the
// API lets only owners do it.
func credentialsCommand(f *userFlags) *cobra.Command {
	c := &cobra.Command{Use: "credentials", Short: "Manage your client's credentials (owners): list, create, disable, enable, delete, rotate"}
	client := func(cmd *cobra.Command) (*apiclient.Client, error) {
		s, err := f.session(cmd)
		if err != nil {
			return nil, err
		}
		return s.Client(), nil
	}
	list := &cobra.Command{
		Use: "list", Short: "The credentials of your client", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			api, err := client(cmd)
			if err != nil {
				return err
			}
			creds, _, err := api.Credentials(cmd.Context())
			if err != nil {
				return err
			}
			t := table{header: []string{"CLIENT_ID", "ROLE", "ENABLED", "CREATED_AT", "LAST_USED_AT"}, json: creds}
			for _, c := range creds {
				t.rows = append(t.rows, []string{c.ClientID, c.Role, fmt.Sprint(c.Enabled), c.CreatedAt, deref(c.LastUsedAt)})
			}
			return t.print(cmd.OutOrStdout(), f.output)
		},
	}
	var id, role string
	create := &cobra.Command{
		Use: "create", Short: "Create a credential; its secret is shown only now", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			api, err := client(cmd)
			if err != nil {
				return err
			}
			c, err := api.CreateCredential(cmd.Context(), id, role)
			if err != nil {
				return err
			}
			t := table{header: []string{"CLIENT_ID", "CLIENT_SECRET", "ROLE"}, rows: [][]string{{c.ClientID, c.ClientSecret, c.Role}}, json: c}
			return t.print(cmd.OutOrStdout(), f.output)
		},
	}
	create.Flags().StringVar(&id, "id", "", "the credential's id (default: a generated one)")
	create.Flags().StringVar(&role, "role", "member", "member or owner")
	setEnabled := func(use, short string, enabled bool) *cobra.Command {
		return &cobra.Command{
			Use: use + " CLIENT_ID", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				api, err := client(cmd)
				if err != nil {
					return err
				}
				c, err := api.SetCredentialEnabled(cmd.Context(), args[0], enabled)
				if err != nil {
					return err
				}
				t := table{header: []string{"CLIENT_ID", "ROLE", "ENABLED"}, rows: [][]string{{c.ClientID, c.Role, fmt.Sprint(c.Enabled)}}, json: c}
				return t.print(cmd.OutOrStdout(), f.output)
			},
		}
	}
	del := &cobra.Command{
		Use: "delete CLIENT_ID", Short: "Delete a credential: its tokens are refused at once", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := client(cmd)
			if err != nil {
				return err
			}
			if err := api.DeleteCredential(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "deleted %s\n", args[0])
			return nil
		},
	}
	var grace int64
	rotate := &cobra.Command{
		Use: "rotate CLIENT_ID", Short: "Give a credential a new secret; the old one stays valid for --grace seconds", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			api, err := client(cmd)
			if err != nil {
				return err
			}
			r, err := api.RotateCredentialSecret(cmd.Context(), args[0], grace)
			if err != nil {
				return err
			}
			raw, _ := json.Marshal(r)
			t := table{header: []string{"CLIENT_SECRET", "PREVIOUS_SECRET_EXPIRES_AT"}, rows: [][]string{{r.ClientSecret, r.PreviousSecretExpiresAt}}, json: raw}
			return t.print(cmd.OutOrStdout(), f.output)
		},
	}
	rotate.Flags().Int64Var(&grace, "grace", 0, "seconds the old secret stays valid, 0 to 86400")
	c.AddCommand(list, create,
		setEnabled("disable", "Disable a credential: its tokens are refused at once", false),
		setEnabled("enable", "Enable a credential again", true),
		del, rotate)
	return c
}
