// Package dynamo is the DynamoDB adapter: it stores the domain's records in
// one table and translates SDK errors into the domain's errors.
package dynamo

// Every key of the single table is built here, so the key design can be
// read in one place.
//
//	item        PK                   SK                   GSI1PK               GSI1SK
//	principal   PRINCIPAL#<id>       PRINCIPAL
//	project     PROJECT#<id>         PROJECT
//	member      PROJECT#<id>         MEMBER#<principal>   PRINCIPAL#<principal> PROJECT#<createdAt>#<id>
//
// A principal's projects are one Query on GSI1; a project's members one
// Query on the base table; a project and a membership check are GetItems.

const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK"
	attrGSI1SK = "GSI1SK"
	indexGSI1  = "GSI1"

	skPrincipal = "PRINCIPAL"
	skProject   = "PROJECT"
	skMember    = "MEMBER#"
)

func principalPK(id string) string { return "PRINCIPAL#" + id }

func projectPK(id string) string { return "PROJECT#" + id }

func memberSK(principalID string) string { return skMember + principalID }

func membershipGSI1SK(projectCreatedAt, projectID string) string {
	return "PROJECT#" + projectCreatedAt + "#" + projectID
}
