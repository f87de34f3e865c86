package secret_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/secret"
)

func key(t *testing.T) string {
	t.Helper()
	raw := make([]byte, secret.KeySize)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(raw)
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k, err := secret.ParseKeys("k1:" + key(t))
	require.NoError(t, err)
	for _, value := range []string{"", "p@ss \"q\" \\ é", string(bytes.Repeat([]byte("x"), 64<<10))} {
		sealed, err := k.Seal("db-password", []byte(value))
		require.NoError(t, err)
		if value != "" {
			require.False(t, bytes.Contains(sealed, []byte(value)))
		}
		opened, err := k.Open("db-password", sealed)
		require.NoError(t, err)
		require.Equal(t, value, string(opened))
		id, err := secret.KeyID(sealed)
		require.NoError(t, err)
		require.Equal(t, "k1", id)
	}
}

func TestNoncesAreFresh(t *testing.T) {
	t.Parallel()
	k, err := secret.ParseKeys("k1:" + key(t))
	require.NoError(t, err)
	seen := map[string]bool{}
	for range 1000 {
		sealed, err := k.Seal("n", []byte("same value"))
		require.NoError(t, err)
		require.False(t, seen[string(sealed)], "two seals of one value must differ")
		seen[string(sealed)] = true
	}
}

func TestOpenFailsLoudly(t *testing.T) {
	t.Parallel()
	k, err := secret.ParseKeys("k1:" + key(t))
	require.NoError(t, err)
	sealed, err := k.Seal("alpha", []byte("token-123456"))
	require.NoError(t, err)

	_, err = k.Open("beta", sealed)
	require.ErrorIs(t, err, secret.ErrCorrupt, "a value moved to another name does not open")

	for i := 2 + len("k1"); i < len(sealed); i++ {
		tampered := bytes.Clone(sealed)
		tampered[i] ^= 0x01
		_, err := k.Open("alpha", tampered)
		require.ErrorIs(t, err, secret.ErrCorrupt, "byte %d flipped", i)
	}
	_, err = k.Open("alpha", sealed[:len(sealed)-1])
	require.ErrorIs(t, err, secret.ErrCorrupt)
	_, err = k.Open("alpha", []byte("plaintext"))
	require.ErrorIs(t, err, secret.ErrCorrupt)

	other, err := secret.ParseKeys("k2:" + key(t))
	require.NoError(t, err)
	_, err = other.Open("alpha", sealed)
	require.ErrorIs(t, err, secret.ErrUnknownKey)
	require.NotContains(t, err.Error(), "token-123456")

	sameID, err := secret.ParseKeys("k1:" + key(t))
	require.NoError(t, err)
	_, err = sameID.Open("alpha", sealed)
	require.ErrorIs(t, err, secret.ErrCorrupt, "a wrong key under the same id fails authentication")
}

func TestRotationKeepsOldValuesReadable(t *testing.T) {
	t.Parallel()
	k1, k2 := key(t), key(t)
	old, err := secret.ParseKeys("k1:" + k1)
	require.NoError(t, err)
	sealed, err := old.Seal("s", []byte("v"))
	require.NoError(t, err)

	both, err := secret.ParseKeys("k2:" + k2 + ",k1:" + k1)
	require.NoError(t, err)
	require.Equal(t, "k2", both.ActiveKeyID())
	opened, err := both.Open("s", sealed)
	require.NoError(t, err)
	resealed, err := both.Seal("s", opened)
	require.NoError(t, err)
	id, err := secret.KeyID(resealed)
	require.NoError(t, err)
	require.Equal(t, "k2", id)

	onlyNew, err := secret.ParseKeys("k2:" + k2)
	require.NoError(t, err)
	opened, err = onlyNew.Open("s", resealed)
	require.NoError(t, err)
	require.Equal(t, "v", string(opened))
}

func TestParseKeysRejectsBadSpecs(t *testing.T) {
	t.Parallel()
	good := key(t)
	for _, spec := range []string{"", "nocolon", "k1:notbase64!!", "k1:" + base64.StdEncoding.EncodeToString([]byte("short")),
		"bad id:" + good, "k1:" + good + ",k1:" + good} {
		_, err := secret.ParseKeys(spec)
		require.Error(t, err, spec)
		require.NotContains(t, err.Error(), good)
	}
}

func TestLoadOrGenerate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	k, created, err := secret.LoadOrGenerate(dir)
	require.NoError(t, err)
	require.True(t, created)
	info, err := os.Stat(filepath.Join(dir, secret.GeneratedKeyFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	sealed, err := k.Seal("s", []byte("v"))
	require.NoError(t, err)

	again, created, err := secret.LoadOrGenerate(dir)
	require.NoError(t, err)
	require.False(t, created, "the key is generated once")
	opened, err := again.Open("s", sealed)
	require.NoError(t, err)
	require.Equal(t, "v", string(opened))
}

func TestDerivedKeysAgreeAcrossReplicasAndPurposes(t *testing.T) {
	t.Parallel()
	spec := "new:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, secret.KeySize)) +
		",old:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, secret.KeySize))
	a, err := secret.ParseKeys(spec)
	require.NoError(t, err)
	b, err := secret.ParseKeys(spec)
	require.NoError(t, err)
	activeA, keysA := a.Derive("token signing")
	activeB, keysB := b.Derive("token signing")
	require.Equal(t, "new", activeA)
	require.Equal(t, activeA, activeB)
	require.Equal(t, keysA, keysB, "replicas with the same keys derive the same keys")
	require.Len(t, keysA, 2)
	require.NotEqual(t, keysA["new"], keysA["old"])
	_, other := a.Derive("something else")
	require.NotEqual(t, keysA["new"], other["new"], "each purpose gets its own key")
	require.Len(t, keysA["new"], secret.KeySize)
}
