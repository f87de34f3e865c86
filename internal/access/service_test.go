package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podiumhq/podium/internal/access"
	"github.com/podiumhq/podium/internal/auth"
	"github.com/podiumhq/podium/internal/notify"
	"github.com/podiumhq/podium/store"
	"github.com/podiumhq/podium/store/storetest"
)

// TestRunAsCacheClearedByChanges: the rights of a principal a workflow runs as are cached, and
// a change announced anywhere (Changed here, a NOTIFY from another process) clears the cache.
func TestRunAsCacheClearedByChanges(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	hub := notify.New(st, nil)
	svc := access.New(access.Config{Store: st, Notify: hub})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })

	app, err := svc.CreateApplication(ctx, nil, "worker")
	require.NoError(t, err)
	grant := &access.AuthorizationRequest{Subject: access.GrantSubject{Type: access.SubjectApplication, ID: app.ID},
		Target: access.GrantTarget{Type: auth.TargetSecret, ID: "token"}, Access: []string{"READ"}}

	p, err := svc.RunAs(ctx, st.Queries, app.ID)
	require.NoError(t, err)
	require.False(t, p.CanReadSecret("token"))

	// Through the service: its own cache is cleared at once.
	require.NoError(t, svc.Grant(ctx, grant))
	p, err = svc.RunAs(ctx, st.Queries, app.ID)
	require.NoError(t, err)
	require.True(t, p.CanReadSecret("token"))

	// Behind its back (another process): announcing the change clears the cache well within
	// the second it would otherwise live.
	require.NoError(t, st.GrantRemove(ctx, mustGrant(t, app.ID)))
	hub.Publish(notify.Access)
	require.Eventually(t, func() bool {
		p, err := svc.RunAs(ctx, st.Queries, app.ID)
		return err == nil && !p.CanReadSecret("token")
	}, 900*time.Millisecond, 10*time.Millisecond)
}

// TestRunAsSpecialPrincipals: "" runs unrestricted, the admin id as the admin, and an unknown
// application with no rights at all.
func TestRunAsSpecialPrincipals(t *testing.T) {
	t.Parallel()
	ctx, st := storetest.Setup(t)
	svc := access.New(access.Config{Store: st})
	p, err := svc.RunAs(ctx, st.Queries, "")
	require.NoError(t, err)
	require.Nil(t, p)
	p, err = svc.RunAs(ctx, st.Queries, access.AdminPrincipalID)
	require.NoError(t, err)
	require.True(t, p.IsAdmin())
	p, err = svc.RunAs(ctx, st.Queries, "no-such-application")
	require.NoError(t, err)
	require.Empty(t, p.Roles)
	require.False(t, access.MayStart(p, "wf"))
	require.True(t, access.MayStart(nil, "wf"))
}

// mustGrant is the stored form of the READ grant on secret "token" to application id.
func mustGrant(t *testing.T, id string) store.Grant {
	t.Helper()
	return store.Grant{SubjectType: access.SubjectApplication, SubjectID: id, TargetType: auth.TargetSecret,
		TargetID: "token", Access: []string{"READ"}}
}
