package billing

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type exampleCase struct {
	Name          string          `json:"name"`
	Rule          json.RawMessage `json:"rule"`
	ExpectedFen   *int64          `json:"expected_fen"`
	ExpectedError string          `json:"expected_error"`
	Why           string          `json:"why"`
	raw           json.RawMessage
}

func readCases(t testing.TB, path string) []exampleCase {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var raws []json.RawMessage
	require.NoError(t, json.Unmarshal(data, &raws))
	cases := make([]exampleCase, len(raws))
	for i, r := range raws {
		require.NoError(t, json.Unmarshal(r, &cases[i]))
		cases[i].raw = r
	}
	return cases
}

// run loads a case's rule and stay and quotes it; it returns the first
// error met.
func (c exampleCase) run() (Quote, error) {
	rule, err := ParseRule(c.Rule)
	if err != nil {
		return Quote{}, err
	}
	stay, err := ParseStay(c.raw)
	if err != nil {
		return Quote{}, err
	}
	return rule.Quote(stay)
}

func checkCase(t *testing.T, c exampleCase) {
	q, err := c.run()
	if c.ExpectedError != "" {
		require.Error(t, err, c.Why)
		assert.Equal(t, c.ExpectedError, reasonCode(err), "%v", err)
		return
	}
	require.NoError(t, err, c.Why)
	require.NotNil(t, c.ExpectedFen, "case has neither expected_fen nor expected_error")
	assert.Equal(t, *c.ExpectedFen, q.TotalFen, "%s\n%s", c.Why, receipt(q))
}

// reasonCode maps an error to the case files' expected_error codes.
func reasonCode(err error) string {
	for _, e := range []error{ErrExitBeforeEntry, ErrPaidAtOutsideStay, ErrTierSpanNotMultipleOfUnit, ErrInvalidStay, ErrInvalidRule} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "unknown: " + err.Error()
}

func TestExamples(t *testing.T) {
	cases := readCases(t, "testdata/billing-examples.json")
	require.Len(t, cases, 12)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) { checkCase(t, c) })
	}
}
