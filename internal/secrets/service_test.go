package secrets_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/conductor"
	"github.com/podiumhq/podium/internal/secret"
	"github.com/podiumhq/podium/internal/secrets"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// owners records the owner grants asked for and the changes announced.
type owners struct {
	granted []string
	changes int
}

func (o *owners) GrantOwner(_ context.Context, _ *store.Queries, p *auth.Principal, targetType, name string) (bool, error) {
	if p == nil {
		return false, nil
	}
	o.granted = append(o.granted, p.ID+" "+targetType+" "+name)
	return true, nil
}

func (o *owners) Changed() { o.changes++ }

// resealer counts the calls of RotateKeys.
type resealer struct{ calls int }

func (r *resealer) ResealExecutionData(context.Context, store.ResealOpts) ([]store.ResealTotals, error) {
	r.calls++
	return []store.ResealTotals{{Table: store.SealedTasks}}, nil
}

// TestPutValueRotate: a secret written by an application is owned by it; a decision reads it
// in its transaction; rotation re-seals it under the new active key and then the execution
// data.
func TestPutValueRotate(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	old, err := secret.ParseKeys("k1:" + key(1))
	require.NoError(t, err)
	o := &owners{}
	svc := secrets.New(secrets.Config{Store: st, Keys: old, Owners: o})

	app := &auth.Principal{ID: "app", Name: "app", Roles: []string{auth.RoleUser}}
	require.NoError(t, svc.Put(ctx, app, "token", []byte("s3cr3t-value")))
	require.Equal(t, []string{"app SECRET_NAME token"}, o.granted)
	require.Equal(t, 1, o.changes)

	value, found, err := svc.Value(ctx, st.Queries, "token")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "s3cr3t-value", value)
	_, found, err = svc.Value(ctx, st.Queries, "missing")
	require.NoError(t, err)
	require.False(t, found)

	rotated, err := secret.ParseKeys("k2:" + key(2) + ",k1:" + key(1))
	require.NoError(t, err)
	r := &resealer{}
	totals, err := secrets.New(secrets.Config{Store: st, Keys: rotated}).RotateKeys(ctx, r, store.ResealOpts{})
	require.NoError(t, err)
	require.Equal(t, []store.ResealTotals{
		{Table: store.SealedSecrets, Batches: 1, Rows: 1, Resealed: 1},
		{Table: store.SealedTasks},
	}, totals)
	require.Equal(t, 1, r.calls)
	onlyNew, err := secret.ParseKeys("k2:" + key(2))
	require.NoError(t, err)
	got, err := secrets.New(secrets.Config{Store: st, Keys: onlyNew}).Get(ctx, "token")
	require.NoError(t, err)
	require.Equal(t, "s3cr3t-value", got)

	_, err = svc.Get(ctx, "missing")
	require.ErrorIs(t, err, conductor.ErrNotFound)
}

// key is a base64 AES-256 key made of byte b.
func key(b byte) string {
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = b
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// TestListShowsLastUpdate: the listing carries each secret's name, tags and the time its value
// was last set, never the value.
func TestListShowsLastUpdate(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	svc := secrets.New(secrets.Config{Store: st, Now: func() time.Time { return at }})
	require.NoError(t, svc.Put(ctx, nil, "listed", []byte("first")))
	at = at.Add(time.Hour)
	require.NoError(t, svc.Put(ctx, nil, "listed", []byte("second")))

	list, err := svc.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "listed", list[0].Name)
	require.Equal(t, []conductor.Tag{}, list[0].Tags)
	require.True(t, at.Equal(list[0].UpdateTime), "got %s", list[0].UpdateTime)
	data, err := json.Marshal(list[0])
	require.NoError(t, err)
	require.JSONEq(t, `{"name":"listed","tags":[]}`, string(data), "the API's shape stays name and tags")
}
