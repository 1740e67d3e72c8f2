package samtemplate

import (
	"fmt"
	"testing"
	"time"

	"github.com/parcelgate/parcelgate/internal/quota"
)

// The WAF rule of template.yaml and the dev server's quota are one
// contract: the same default numbers, the same 429 body, the rule on the
// API stage.
func TestWebACLQuotaMatchesTheDevServer(t *testing.T) {
	root, rs := rawTemplate(t)
	def, err := quota.Parse(quota.Default)
	if err != nil {
		t.Fatal(err)
	}
	params := root["Parameters"].(map[string]any)
	if got := fmt.Sprint(params["IpQuotaLimit"].(map[string]any)["Default"]); got != fmt.Sprint(def.Limit) {
		t.Errorf("IpQuotaLimit defaults to %s, the dev server to %d", got, def.Limit)
	}
	if got := fmt.Sprint(params["IpQuotaWindowSeconds"].(map[string]any)["Default"]); got != fmt.Sprint(int(def.Window/time.Second)) {
		t.Errorf("IpQuotaWindowSeconds defaults to %s, the dev server to %s", got, def.Window)
	}
	acls := rs.ofType("AWS::WAFv2::WebACL")
	if len(acls) != 1 {
		t.Fatalf("%d web ACLs, want 1", len(acls))
	}
	acl := props(rs[acls[0]])
	bodies := acl["CustomResponseBodies"].(map[string]any)
	var rule map[string]any
	for _, r := range list(acl["Rules"]) {
		r := r.(map[string]any)
		if r["Statement"].(map[string]any)["RateBasedStatement"] != nil {
			rule = r
		}
	}
	if rule == nil {
		t.Fatal("the web ACL has no rate-based rule")
	}
	rate := rule["Statement"].(map[string]any)["RateBasedStatement"].(map[string]any)
	if rate["AggregateKeyType"] != "IP" || ref(rate["Limit"]) != "IpQuotaLimit" || ref(rate["EvaluationWindowSec"]) != "IpQuotaWindowSeconds" {
		t.Errorf("rate rule %v: want per IP, IpQuotaLimit per IpQuotaWindowSeconds", rate)
	}
	resp := rule["Action"].(map[string]any)["Block"].(map[string]any)["CustomResponse"].(map[string]any)
	if fmt.Sprint(resp["ResponseCode"]) != "429" {
		t.Errorf("the rule answers %v, want 429", resp["ResponseCode"])
	}
	body := bodies[resp["CustomResponseBodyKey"].(string)].(map[string]any)
	if body["Content"] != quota.ProblemBody {
		t.Errorf("WAF's 429 body\n%s\nis not the dev server's\n%s", body["Content"], quota.ProblemBody)
	}
	headers := map[string]bool{}
	for _, h := range list(resp["ResponseHeaders"]) {
		headers[h.(map[string]any)["Name"].(string)] = true
	}
	for _, h := range []string{"Retry-After", "RateLimit-Policy", "RateLimit"} {
		if !headers[h] {
			t.Errorf("WAF's 429 lacks %s", h)
		}
	}
	var associated bool
	for _, id := range rs.ofType("AWS::WAFv2::WebACLAssociation") {
		p := props(rs[id])
		if arn, _ := p["WebACLArn"].(map[string]any); arn != nil && fmt.Sprint(arn["Fn::GetAtt"]) == fmt.Sprint([]any{acls[0], "Arn"}) {
			associated = p["ResourceArn"] != nil
		}
	}
	if !associated {
		t.Errorf("web ACL %s is not associated with the API stage", acls[0])
	}
}
