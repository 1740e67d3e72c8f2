package tracking

import "strings"

// secureKeys name the recipient's own details, which must never reach the
// public resource. A pickup point's address (target_machine_detail.address
// in ShipX) is public and stays; the recipient's address does not.
var secureKeys = []string{"signature", "recipient", "receiver", "addressee", "customeraddress", "deliveryaddress", "homeaddress", "phone", "mobile", "email"}

// keySeparators are ignored when a key is compared: "e-mail", "E_Mail"
// and "eMail" are one key.
var keySeparators = strings.NewReplacer("_", "", "-", "", " ", "", ".", "")

func isSecure(key string) bool {
	k := strings.ToLower(keySeparators.Replace(key))
	for _, s := range secureKeys {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// StripSecure returns a copy of attrs without secure details, at any depth.
// A top-level "address" is the recipient's (ShipX keeps addresses only
// inside a machine's details), so it goes too.
func StripSecure(attrs map[string]any) map[string]any {
	out := strip(attrs).(map[string]any)
	delete(out, "address")
	return out
}

func strip(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if !isSecure(k) {
				out[k] = strip(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = strip(val)
		}
		return out
	}
	return v
}
