package store_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// rotation is a store with secrets sealed under k1 and the keyrings of a rotation to k2.
type rotation struct {
	ctx          context.Context
	st           *store.Store
	url          string
	old, rotated *secret.Keyring // k1; k2 sealing, k1 opening
	onlyNew      *secret.Keyring // k2
	values       map[string]string
}

func newRotation(t *testing.T) *rotation {
	t.Helper()
	url := storetest.NewDatabaseURL(t)
	st, err := store.Open(context.Background(), store.Config{URL: url, MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	k1, k2 := "k1:"+rawKey(1), "k2:"+rawKey(2)
	r := &rotation{ctx: context.Background(), st: st, url: url, values: map[string]string{}}
	r.old, err = secret.ParseKeys(k1)
	require.NoError(t, err)
	r.rotated, err = secret.ParseKeys(k2 + "," + k1)
	require.NoError(t, err)
	r.onlyNew, err = secret.ParseKeys(k2)
	require.NoError(t, err)
	return r
}

func rawKey(b byte) string {
	raw := make([]byte, secret.KeySize)
	for i := range raw {
		raw[i] = b
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// put stores a secret sealed with keys.
func (r *rotation) put(t *testing.T, keys *secret.Keyring, name, value string) {
	t.Helper()
	sealed, err := keys.Seal(name, []byte(value))
	require.NoError(t, err)
	require.NoError(t, r.st.SecretPut(r.ctx, name, sealed, keys.ActiveKeyID(), "", storetest.Epoch))
	r.values[name] = value
}

// reseal is the ResealFunc of the secrets table under the rotated keyring.
func (r *rotation) reseal(_, name string, sealed []byte) ([]byte, error) {
	value, err := r.rotated.Open(name, sealed)
	if err != nil {
		return nil, err
	}
	return r.rotated.Seal(name, value)
}

// requireAllUnderNewKey checks that every secret is sealed under k2 and opens, with k2 alone,
// to the value last written.
func (r *rotation) requireAllUnderNewKey(t *testing.T) {
	t.Helper()
	recs, err := r.st.SecretGetMany(r.ctx, slices.Collect(mapKeys(r.values)))
	require.NoError(t, err)
	require.Len(t, recs, len(r.values))
	for _, rec := range recs {
		require.Equal(t, "k2", rec.KeyID, rec.Name)
		id, err := secret.KeyID(rec.Sealed)
		require.NoError(t, err)
		require.Equal(t, "k2", id, rec.Name)
		value, err := r.onlyNew.Open(rec.Name, rec.Sealed)
		require.NoError(t, err, rec.Name)
		require.Equal(t, r.values[rec.Name], string(value), rec.Name)
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestResealWalkVisitsEachRowOnce: batches follow each other by cursor, read each row once
// and count what they did; every value ends under the new key with its plaintext.
func TestResealWalkVisitsEachRowOnce(t *testing.T) {
	t.Parallel()
	r := newRotation(t)
	for i := range 23 {
		r.put(t, r.old, fmt.Sprintf("s-%03d", i), fmt.Sprintf("value-%d", i))
	}
	for i := range 3 {
		r.put(t, r.onlyNew, fmt.Sprintf("u-%03d", i), "already-new")
	}

	var batches []store.ResealBatch
	totals, err := r.st.ResealWalk(r.ctx, store.SealedSecrets, "k2", r.reseal, store.ResealOpts{
		BatchSize: 4, Progress: func(b store.ResealBatch) { batches = append(batches, b) }})
	require.NoError(t, err)
	require.Equal(t, store.ResealTotals{Table: store.SealedSecrets, Batches: 7, Rows: 26, Resealed: 23, Current: 3}, totals)

	var seen []string
	for i, b := range batches {
		require.Equal(t, i+1, b.Number)
		require.Equal(t, store.SealedSecrets, b.Table)
		if i == 0 {
			require.Empty(t, b.After)
		} else {
			require.Equal(t, seen[len(seen)-1], b.After, "a batch reads from where the last one ended")
		}
		require.NotEmpty(t, b.Keys)
		require.Equal(t, len(b.Keys), b.Resealed+b.Current)
		for _, k := range b.Keys {
			require.True(t, len(seen) == 0 || k > seen[len(seen)-1], "keys strictly increase: %q after %q", k, seen)
			seen = append(seen, k)
		}
	}
	names := slices.Sorted(mapKeys(r.values))
	require.Equal(t, names, seen, "every row visited exactly once, in key order")
	r.requireAllUnderNewKey(t)

	again, err := r.st.ResealWalk(r.ctx, store.SealedSecrets, "k2", r.reseal, store.ResealOpts{})
	require.NoError(t, err)
	require.Equal(t, store.ResealTotals{Table: store.SealedSecrets, Batches: 1, Rows: 26, Current: 26}, again,
		"a second walk finds everything current and writes nothing")
}

// TestResealWalkConcurrentChanges: values that writers change between a batch's read and its
// write are never overwritten with stale data: one re-sealed under the new key by its writer is
// kept, one written again under the old key is read again and re-sealed, one held locked is
// re-sealed once released, and one a writer keeps sealing under the old key is left and
// counted.
func TestResealWalkConcurrentChanges(t *testing.T) {
	t.Parallel()
	r := newRotation(t)
	for i := range 10 {
		r.put(t, r.old, fmt.Sprintf("s-%02d", i), fmt.Sprintf("value-%d", i))
	}
	locker, err := pgx.Connect(r.ctx, r.url)
	require.NoError(t, err)
	defer locker.Close(r.ctx)
	var lockTx pgx.Tx
	calls := map[string]int{}
	writes := map[string]func(){
		"s-01": func() { r.put(t, r.onlyNew, "s-01", "new-by-writer") },
		"s-02": func() { r.put(t, r.old, "s-02", "old-by-writer") },
		"s-03": func() {
			lockTx, err = locker.Begin(r.ctx)
			require.NoError(t, err)
			_, err = lockTx.Exec(r.ctx, `SELECT 1 FROM secrets WHERE name = 's-03' FOR UPDATE`)
			require.NoError(t, err)
		},
	}
	reseal := func(column, name string, sealed []byte) ([]byte, error) {
		calls[name]++
		switch {
		case calls[name] == 1 && writes[name] != nil:
			writes[name]()
		case calls[name] == 2 && name == "s-03":
			require.NoError(t, lockTx.Rollback(r.ctx)) // released before the retry writes
		case name == "s-04":
			r.put(t, r.old, "s-04", fmt.Sprintf("old-again-%d", calls[name])) // every time
		}
		return r.reseal(column, name, sealed)
	}
	var batches []store.ResealBatch
	totals, err := r.st.ResealWalk(r.ctx, store.SealedSecrets, "k2", reseal, store.ResealOpts{
		BatchSize: 6, Progress: func(b store.ResealBatch) { batches = append(batches, b) }})
	require.NoError(t, err)
	require.Equal(t, store.ResealTotals{Table: store.SealedSecrets, Batches: 2, Rows: 10, Resealed: 8, Changed: 1, Left: 1}, totals)
	require.Equal(t, 1, batches[0].Changed, "s-01 was re-sealed by its writer")
	require.Equal(t, 1, batches[0].Left, "s-04 kept changing under the old key")
	require.Equal(t, 2, calls["s-02"], "s-02 was read again and re-sealed")
	require.Equal(t, 2, calls["s-03"], "s-03 was skipped while locked, then re-sealed")
	require.Equal(t, 5, calls["s-04"], "s-04 was tried once and retried after each pause")

	rec, err := r.st.SecretGet(r.ctx, "s-04")
	require.NoError(t, err)
	require.Equal(t, "k1", rec.KeyID, "the value left is the writer's last, under its key")
	value, err := r.old.Open("s-04", rec.Sealed)
	require.NoError(t, err)
	require.Equal(t, r.values["s-04"], string(value))
	delete(r.values, "s-04")
	r.requireAllUnderNewKey(t)
}
