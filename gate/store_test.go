package gate_test

import (
	"path/filepath"
	"testing"

	"github.com/gatepay/gatepay/gate"
	"github.com/gatepay/gatepay/gate/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) gate.Store { return gate.NewMemoryStore() })
}

func TestSQLiteStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gate.Store {
		s, err := gate.OpenSQLite(filepath.Join(t.TempDir(), "gate.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
