package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatepay/gatepay/signing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServesAndWritesKeys(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out strings.Builder
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-keys", dir, "-mchid", "1900000001", "-manual-callbacks", "-error-rate", "0"}, &out, ready)
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("exited early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("did not start")
	}
	resp, err := http.Get(base + "/mock/keys")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(body), "PUB_KEY_ID_")

	key, err := os.ReadFile(filepath.Join(dir, "apiclient_key.pem"))
	require.NoError(t, err)
	_, err = signing.LoadPrivateKey(key)
	require.NoError(t, err)
	pub, err := os.ReadFile(filepath.Join(dir, "pub_key.pem"))
	require.NoError(t, err)
	_, err = signing.LoadPublicKey(pub)
	require.NoError(t, err)
	v3, err := os.ReadFile(filepath.Join(dir, "apiv3_key.txt"))
	require.NoError(t, err)
	assert.Len(t, strings.TrimSpace(string(v3)), 32)

	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, out.String(), base)
	assert.Contains(t, out.String(), "1900000001")
}

func TestFlags(t *testing.T) {
	var out strings.Builder
	assert.NoError(t, run(context.Background(), []string{"-h"}, &out, nil))
	assert.Contains(t, out.String(), "-drop-rate")
	assert.Error(t, run(context.Background(), []string{"-time-scale", "0"}, io.Discard, nil))
	assert.Error(t, run(context.Background(), []string{"-nope"}, io.Discard, nil))
}
