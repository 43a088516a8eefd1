// Package archtest keeps ARCHITECTURE.md's import rules true: it fails
// when a package imports what its row does not allow.
package archtest

import (
	"go/build"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/gatepay/gatepay/"

// allowed lists, per package, the module packages and outside modules it
// may import; the standard library is always allowed.
var allowed = map[string][]string{
	"signing": {},
	"plate":   {},
	"billing": {},
	"client":  {"signing", "github.com/go-resty/resty/v2", "github.com/hashicorp/go-retryablehttp", "golang.org/x/time/rate"},
	"gate":    {"client", "plate", "billing", "modernc.org/sqlite"},
	// The mock is the second, independent reading of the spec: never client.
	"mock": {"signing"},
}

func TestImportRules(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	for pkg, ok := range allowed {
		p, err := build.ImportDir(filepath.Join(root, pkg), 0)
		if err != nil {
			t.Fatalf("%s: %v", pkg, err)
		}
		for _, imp := range p.Imports {
			std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
			if std {
				continue
			}
			name := strings.TrimPrefix(imp, module)
			permitted := false
			for _, a := range ok {
				if name == a {
					permitted = true
				}
			}
			if !permitted {
				t.Errorf("%s imports %s, which ARCHITECTURE.md does not allow", pkg, imp)
			}
		}
	}
}
