package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/parcelgate/parcelgate/internal/apiclient"
	"github.com/parcelgate/parcelgate/internal/apiclient/gen"
)

// credentialsCommand manages the logged-in client's credentials; the
// API lets only owners do it.
func credentialsCommand(f *userFlags) *cobra.Command {
	c := &cobra.Command{Use: "credentials", Short: "Manage your client's credentials (owners): list, create, disable, enable, delete, rotate"}
	client := f.client
	list := &cobra.Command{
		Use: "list", Short: "The credentials of your client", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			api, err := client(cmd)
			if err != nil {
				return err
			}
			creds, err := credentials(cmd.Context(), api)
			if err != nil {
				return err
			}
			t := table{header: []string{"CLIENT_ID", "ROLE", "ENABLED", "CREATED_AT", "LAST_USED_AT"}, json: creds}
			for _, c := range creds {
				used := ""
				if c.LastUsedAt != nil {
					used = timestamp(*c.LastUsedAt)
				}
				t.rows = append(t.rows, []string{c.ClientId, string(c.Role), fmt.Sprint(c.Enabled), timestamp(c.CreatedAt), used})
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
			body := gen.CreateCredentialJSONRequestBody{ClientId: omitEmpty(id)}
			if role != "" {
				r := gen.CredentialRole(role)
				body.Role = &r
			}
			r, err := api.CreateCredentialWithResponse(cmd.Context(), body)
			if err != nil {
				return err
			}
			c, err := apiclient.Expect(r.JSON201, r)
			if err != nil {
				return err
			}
			t := table{header: []string{"CLIENT_ID", "CLIENT_SECRET", "ROLE"}, rows: [][]string{{c.ClientId, c.ClientSecret, string(c.Role)}}, json: r.Body}
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
				r, err := api.UpdateCredentialWithResponse(cmd.Context(), args[0], gen.UpdateCredentialJSONRequestBody{Enabled: enabled})
				if err != nil {
					return err
				}
				c, err := apiclient.Expect(r.JSON200, r)
				if err != nil {
					return err
				}
				t := table{header: []string{"CLIENT_ID", "ROLE", "ENABLED"}, rows: [][]string{{c.ClientId, string(c.Role), fmt.Sprint(c.Enabled)}}, json: r.Body}
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
			if _, err := api.DeleteCredentialWithResponse(cmd.Context(), args[0]); err != nil {
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
			g := int(grace)
			r, err := api.RotateCredentialSecretWithResponse(cmd.Context(), args[0], gen.RotateCredentialSecretJSONRequestBody{GraceSeconds: &g})
			if err != nil {
				return err
			}
			rotated, err := apiclient.Expect(r.JSON200, r)
			if err != nil {
				return err
			}
			t := table{header: []string{"CLIENT_SECRET", "PREVIOUS_SECRET_EXPIRES_AT"}, rows: [][]string{{rotated.ClientSecret, timestamp(rotated.PreviousSecretExpiresAt)}}, json: r.Body}
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

// credentials lists all the caller's client's credentials, page by page.
func credentials(ctx context.Context, api *gen.ClientWithResponses) ([]gen.Credential, error) {
	var all []gen.Credential
	limit := 1000
	params := &gen.ListCredentialsParams{Limit: &limit}
	for {
		r, err := api.ListCredentialsWithResponse(ctx, params)
		if err != nil {
			return nil, err
		}
		page, err := apiclient.Expect(r.JSON200, r)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all, nil
		}
		params.Cursor = page.NextCursor
	}
}
